// The online-RL trainers (PPO, RLOO, GRPO) as one client of the shared training loop: each rollout
// samples and scores (rollout.h), forms advantages (PPO: per-token KL rewards, the critic's values
// and GAE; RLOO and GRPO: within each prompt's group of K), then ppo_epochs shuffled passes of
// minibatch updates with the clipped ratio follow, one loop step per minibatch. PPO's critic
// trains in the same steps with its own optimizer (the loop's extra parameters). Internal header
// of core (torch).
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "core/model/checkpoint.h"
#include "core/model/reward_model.h"
#include "core/train/index_cycler.h"
#include "core/train/rl_config.h"
#include "core/train/rl_math.h"
#include "core/train/rl_trainer.h"
#include "core/train/rollout.h"
#include "core/train/sft_batch.h"
#include "core/train/training_loop.h"
#include "core/train/value_critic.h"

namespace prefstudio {

class Collective;

// The file beside policy/ in an RL checkpoint with what resuming needs besides weights and
// optimizers: the KL coefficient (the adaptive controller moves it).
constexpr const char* kRlStateFileName = "rl_state.json";

class RlClient : public LoopClient {
 public:
  // `reward` null: the rule scores. `critic` non-null exactly for PPO. All must outlive the client.
  RlClient(const RlConfig& config, LoadedModel& policy, LoadedModel& reference, RewardModel* reward,
           ValueCritic* critic, const RlData& data, int64_t run_id, torch::Device device,
           Collective& collective);

  // Minibatch updates per rollout: ppo_epochs passes over its rows.
  int64_t updates_per_rollout() const;
  int64_t rollouts_done() const { return rollouts_done_; }
  int64_t updates_skipped() const { return updates_skipped_; }
  // The KL coefficient the next rollout uses; a resumed run restores it from kRlStateFileName.
  void restore_state(const std::string& checkpoint_dir);

  bool shards_its_batches() const override { return true; }
  NamedParameters parameters() override;
  std::vector<ExtraParameters> extra_parameters() override;
  MicroBatchStats forward_backward(double loss_scale) override;
  void skip_micro_batches(int64_t count) override;
  std::vector<std::pair<std::string, double>> evaluate(int64_t step, MetricsSink& sink) override;
  void on_logged(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                 MetricsSink& sink) override;
  std::string save_model(const std::string& dir, int64_t step) override;

 private:
  // A minibatch as one rank sees it: its rows of its rollout, and its shares of the global
  // minibatch's response tokens and rows (the weights of its losses and metrics).
  struct MinibatchShare {
    std::vector<int64_t> rows;
    double tokens = 0.0, row_share = 0.0;
  };
  // Per-row values of every rank's rollout rows, in the global row order: (rows, columns).
  struct RolloutRows {
    torch::Tensor table;
    int64_t rows() const { return table.size(0); }
    double mean(int column) const;
    std::vector<double> column(int column) const;
  };

  void start_rollout();
  RolloutRows gather_rollout_rows(const std::vector<int64_t>& prompt_places, int64_t prompts,
                                  const std::vector<torch::Tensor>& columns);
  void form_ppo_advantages(const torch::Tensor& kl_tokens, const torch::Tensor& mask);
  std::vector<double> masked_sums(const std::vector<torch::Tensor>& tensors,
                                  const torch::Tensor& mask, const double* centres);
  void plan_minibatches(int64_t rows);
  MinibatchShare share_of(const std::vector<int64_t>& global_rows) const;
  std::pair<torch::Tensor, double> ptx_loss();

  const RlConfig& config_;
  LoadedModel& policy_;
  LoadedModel& reference_;
  RewardModel* reward_;
  ValueCritic* critic_;
  const RlData& data_;
  int64_t run_id_;
  torch::Device device_;
  RolloutScorer scorer_;
  IndexCycler prompt_batches_;
  AdaptiveKlController kl_controller_;
  std::vector<TokenizedExample> ptx_examples_;
  std::optional<IndexCycler> ptx_batches_;
  Collective& collective_;  // data parallel (one process: the identity)
  std::optional<Rollout> rollout_;
  // Per row of the rollout, on the device: the advantage of each sequence (RLOO, GRPO) or of each
  // token (PPO, with the critic's old values and the returns).
  torch::Tensor sequence_advantages_, token_advantages_, old_values_, returns_;
  double rollout_kl_coefficient_ = 0.0;  // the coefficient of this rollout (the controller's next)
  std::vector<std::pair<std::string, torch::Tensor>> rollout_stats_;
  std::vector<double> row_tokens_;  // response tokens of every rank's rollout rows, global order
  std::vector<std::vector<int64_t>> plan_;  // minibatches of global rows
  size_t plan_cursor_ = 0;
  int64_t rollouts_done_ = 0, updates_skipped_ = 0;
  bool warned_kl_ = false, warned_clip_ = false;
};

}  // namespace prefstudio
