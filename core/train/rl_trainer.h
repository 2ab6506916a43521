// Online RL from a reward: PPO with a critic as InstructGPT and Ziegler et al. ran it, and the
// critic-free RLOO (Ahmadian et al. 2024) and GRPO (Shao et al. 2024; Dr. GRPO, Liu et al. 2025)
// on K samples per prompt, as the labeling already works in groups of K. Each rollout samples
// `rollout_prompts` training prompts K times (rollout.h), scores them (a reward model, offset
// applied, or the demo's rule), forms advantages (rl_math.h; PPO's with the critic and GAE) and
// then takes ppo_epochs passes of minibatch updates with the clipped ratio through the shared
// training loop (one loop step = one minibatch update; PPO's critic steps with its own optimizer).
// At each evaluation the shared policy evaluation samples the validation prompts. The reference
// stays loaded: every rollout needs its log-probs. Checkpoints are folders <output_dir>/step-N
// holding policy/ (kind policy), for PPO value/ (kind value), the optimizer states and
// rl_state.json (the KL coefficient); resume_from names such a folder. Torch-free public header
// (pimpl).
// Thread rule: run() runs on the calling thread; request_stop() may be called from any thread or a
// signal handler.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dist/data_parallel_group.h"
#include "core/train/metrics_sink.h"
#include "core/train/policy_evaluation.h"
#include "core/train/rl_config.h"
#include "core/train/sft_example.h"

namespace prefstudio {

struct RlData {
  std::vector<std::string> train_prompts;  // the training split's prompts
  std::vector<std::string> eval_prompts;   // held-out prompts for the policy evaluation
  RuleScore rule = demo_rule_score;        // the reward {"function": ...} and the true score
  std::vector<SftExample> ptx_examples;    // PPO-ptx's demonstrations (ptx_coefficient > 0)
};

struct RlResult {
  int64_t rollouts_done = 0;
  int64_t updates_done = 0;
  int64_t updates_skipped = 0;  // minibatches over ratio_threshold
  bool stopped = false;
  bool time_limited = false;
  std::string final_dir;
  std::string final_hash;
  double score = 0.0;        // objective/scores over the last log interval
  double kl = 0.0;           // objective/kl
  double eval_kl = 0.0;          // the last evaluation; NaN without evaluation prompts
  double eval_true_score = 0.0;  // NaN when the prompts have no rule score
  double eval_reward = 0.0;      // NaN without a reward model
  double seconds = 0.0;
};

class RlTrainer {
 public:
  // Validates `config` (ConfigError). `run_id` goes into each checkpoint's manifest.
  RlTrainer(RlConfig config, RlData data, int64_t run_id = 0);
  ~RlTrainer();
  RlTrainer(const RlTrainer&) = delete;
  RlTrainer& operator=(const RlTrainer&) = delete;

  // Trains, then writes <output_dir>/final (policy/ and, for PPO, value/). Throws ConfigError for no training
  // prompt or a prompt the rule cannot score, FormatError for an unreadable checkpoint, CoreError
  // for a NaN (naming step and metric).
  RlResult run(MetricsSink& sink);
  void request_stop();
  // Runs data-parallel in `group` (before run()): every rank constructs the trainer with the same
  // config and data; each trains on its share of every global batch's prompts, and only rank 0
  // reports to its sink and writes checkpoints.
  void set_data_parallel(std::shared_ptr<DataParallelGroup> group);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prefstudio
