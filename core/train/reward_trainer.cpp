// The reward trainer (see reward_trainer.h): data preparation (group by prompt, the sequence rule,
// rankings to loss groups), and a LoopClient adding the K-wise batch, its loss and the calibration
// evaluation to the shared training loop.
#include "core/train/reward_trainer.h"

#include <atomic>
#include <cmath>
#include <limits>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/model/reward_model.h"
#include "core/train/index_cycler.h"
#include "core/train/reward_evaluation.h"
#include "core/train/reward_loss.h"
#include "core/train/reward_scoring.h"
#include "core/train/sequence_batch.h"
#include "core/train/trainer_rank.h"
#include "core/train/training_loop.h"

namespace prefstudio {

namespace {

// One training prompt: its kept completions tokenized, and each ranking as a loss group over them.
struct TrainingPrompt {
  PromptSequences sequences;
  std::vector<int> kept_rows;  // completion index -> row among the kept ones, -1 if skipped
  std::vector<RankingGroup> groups;  // rows are indices among the kept completions
};

struct RewardTrainingData {
  std::vector<TrainingPrompt> prompts;
  std::vector<PromptRankings> validation;
  int64_t rankings = 0, pairs = 0, skipped = 0, dropped = 0, validation_pairs = 0;
};

int64_t count_pairs(const RankingGroup& group) {
  int64_t pairs = 0;
  for (int a : group.ranks)
    for (int b : group.ranks) pairs += a < b;
  return pairs;
}

RewardTrainingData prepare_data(const std::vector<RankingExample>& train,
                                const std::vector<RankingExample>& validation,
                                const Tokenizer& tokenizer, const RewardConfig& config) {
  RewardTrainingData data;
  for (const PromptRankings& prompt : group_rankings_by_prompt(train)) {
    TrainingPrompt row;
    row.sequences = build_prompt_sequences(tokenizer, prompt.prompt, prompt.completions,
                                           config.max_length);
    data.skipped += row.sequences.skipped();
    int next = 0;
    for (bool kept : row.sequences.kept) row.kept_rows.push_back(kept ? next++ : -1);
    for (size_t r = 0; r < prompt.rankings.size(); ++r) {
      const RankingExample& ranking = *prompt.rankings[r];
      RankingGroup group;
      for (size_t c = 0; c < ranking.completions.size(); ++c) {
        const int kept_row = row.kept_rows[prompt.slots[r][c]];
        if (kept_row < 0) continue;
        group.rows.push_back(kept_row);
        group.ranks.push_back(ranking.completions[c].rank);
      }
      // Llama 2's margin scale for a stated strength of 1..3: 1/3, 2/3, 1.
      if (config.margin_from_strength && ranking.strength) group.margin = *ranking.strength / 3.0;
      const int64_t pairs = count_pairs(group);
      if (pairs == 0) {
        ++data.dropped;
        continue;
      }
      data.pairs += pairs;
      ++data.rankings;
      row.groups.push_back(std::move(group));
    }
    if (!row.groups.empty()) data.prompts.push_back(std::move(row));
  }
  if (data.prompts.empty())
    throw ConfigError("reward: no training pair (" + std::to_string(train.size()) +
                      " rankings given, " + std::to_string(data.dropped) +
                      " without an untied pair after the length rule); rank some completions first");
  data.validation = group_rankings_by_prompt(validation);
  return data;
}

// The loop's settings; steps = 0 means `epochs` passes over the training prompts.
LoopConfig loop_config(const RewardConfig& config, int64_t prompts) {
  LoopConfig loop = loop_config_from(config, "reward");
  const double per_step = double(config.batch_prompts * config.grad_accum);
  if (config.steps == 0)
    loop.steps = std::max<int64_t>(1, std::ceil(config.epochs * double(prompts) / per_step));
  return loop;
}

// The top completions (rank 0; ties share the top) of each reference ranking, per prompt.
std::vector<PromptCompletions> reference_tops(const std::vector<RankingExample>& rankings) {
  std::vector<PromptCompletions> out;
  for (const PromptRankings& prompt : group_rankings_by_prompt(rankings)) {
    PromptCompletions tops{prompt.prompt, {}};
    std::vector<bool> taken(prompt.completions.size(), false);
    for (size_t r = 0; r < prompt.rankings.size(); ++r) {
      int best = std::numeric_limits<int>::max();
      for (const auto& completion : prompt.rankings[r]->completions)
        best = std::min(best, completion.rank);
      for (size_t c = 0; c < prompt.rankings[r]->completions.size(); ++c) {
        const int slot = prompt.slots[r][c];
        if (prompt.rankings[r]->completions[c].rank == best && !taken[slot]) {
          taken[slot] = true;
          tops.completions.push_back(prompt.completions[slot]);
        }
      }
    }
    out.push_back(std::move(tops));
  }
  return out;
}

class RewardClient : public LoopClient {
 public:
  RewardClient(const RewardConfig& config, RewardModel& model, RewardTrainingData& data,
               const std::vector<RankingExample>& reference, int64_t run_id, torch::Device device,
               Collective& collective)
      : config_(config),
        model_(model),
        data_(data),
        reference_(reference),
        run_id_(run_id),
        device_(device),
        loss_options_{parse_reward_loss_kind(config.loss, "reward.loss"),
                      config.center_coefficient},
        batches_(data.prompts.size(), config.batch_prompts, config.seed + 1),
        collective_(collective) {
    const int world = collective.world_size();
    if (world > config.batch_prompts)
      throw ConfigError("reward.batch_prompts (" + std::to_string(config.batch_prompts) +
                        ") is the global batch: at least one prompt per rank, and there are " +
                        std::to_string(world));
    if (world > 1 && model.loaded.config.dropout > 0)
      throw ConfigError("reward: a data-parallel run needs the model's dropout at 0 (it is " +
                        std::to_string(model.loaded.config.dropout) +
                        "): each rank's dropout would differ from one process's");
  }

  bool shards_its_batches() const override { return true; }

  NamedParameters parameters() override { return model_.parameters(); }

  // Under data parallel each rank takes every world_size-th prompt of the global micro-batch (a
  // prompt's completions stay together), and its loss and statistics are weighed by the global
  // batch's counts, so that they sum over the ranks to one process's.
  MicroBatchStats forward_backward(double loss_scale) override {
    // Rows: every kept completion of this rank's prompts; groups: their rankings, rows offset.
    std::vector<SequenceRow> rows;
    std::vector<RankingGroup> groups;
    GlobalCounts global;
    const std::vector<size_t> drawn = batches_.next();
    for (size_t i = 0; i < drawn.size(); ++i) {
      const TrainingPrompt& prompt = data_.prompts[drawn[i]];
      global.add(prompt);
      if (static_cast<int>(i) % collective_.world_size() != collective_.rank()) continue;
      const int64_t offset = static_cast<int64_t>(rows.size());
      for (size_t c = 0; c < prompt.sequences.kept.size(); ++c)
        if (prompt.sequences.kept[c])
          rows.push_back({&prompt.sequences.prompt_ids, &prompt.sequences.completion_ids[c]});
      for (RankingGroup group : prompt.groups) {
        for (auto& row : group.rows) row += offset;
        groups.push_back(std::move(group));
      }
    }
    auto batch = make_sequence_batch(rows, kScoreHeadPadTokenId);
    auto scores = model_.scores(batch.idx.to(device_), batch.attention_mask.to(device_));  // (B)
    if (collective_.world_size() == 1) {
      RewardLossOutput out = reward_ranking_loss(scores.to(torch::kFloat), groups, loss_options_);
      (out.loss * loss_scale).backward();
      auto detached = scores.detach();
      return {{{"loss_train", out.loss.detach()},
               {"accuracy_train", out.accuracy},
               {"margin_train", out.mean_gap},
               {"reward_mean", detached.mean()},
               {"reward_std", detached.numel() > 1 ? detached.std() : torch::zeros({})}},
              batch.tokens};
    }
    return shard_forward_backward(scores, groups, global, loss_scale, batch.tokens);
  }

  // The global micro-batch's counts, which every rank computes from the same draw.
  struct GlobalCounts {
    int64_t rankings = 0;  // rankings with at least one untied pair: the loss's denominator
    int64_t pairs = 0;     // untied pairs: accuracy's and the margin's
    int64_t rows = 0;      // scored completions: the reward mean's
    void add(const TrainingPrompt& prompt) {
      for (const RankingGroup& group : prompt.groups) {
        const int64_t pairs_here = count_pairs(group);
        rankings += pairs_here > 0;
        pairs += pairs_here;
      }
      for (bool kept : prompt.sequences.kept) rows += kept;
    }
  };

  // This rank's shares of the global micro-batch's loss and statistics. A shard without an untied
  // pair still runs backward (a zero loss on its scores), so every rank sums the same gradients.
  MicroBatchStats shard_forward_backward(const torch::Tensor& scores,
                                         const std::vector<RankingGroup>& groups,
                                         const GlobalCounts& global, double loss_scale,
                                         int64_t tokens) {
    const auto zero = torch::zeros({}, scores.options().dtype(torch::kFloat));
    torch::Tensor loss = scores.sum().to(torch::kFloat) * 0.0, accuracy = zero, margin = zero;
    int64_t pairs = 0;
    for (const RankingGroup& group : groups) pairs += count_pairs(group);
    if (pairs > 0) {
      RewardLossOutput out = reward_ranking_loss(scores.to(torch::kFloat), groups, loss_options_);
      loss = out.loss * (double(out.rankings) / double(global.rankings));
      accuracy = out.accuracy * (double(out.pairs) / double(global.pairs));
      margin = out.mean_gap * (double(out.pairs) / double(global.pairs));
    }
    (loss * loss_scale).backward();
    // The spread of all the ranks' scores: their sums and squares summed over the ranks.
    auto detached = scores.detach().to(torch::kDouble);
    std::vector<torch::Tensor> moments{torch::stack(
        {detached.sum(), detached.pow(2).sum(), torch::tensor(double(detached.numel()),
                                                               torch::kDouble)}).cpu()};
    collective_.all_reduce_sum(moments);
    const double n = moments[0][2].item<double>(), sum = moments[0][0].item<double>();
    const double variance =
        n > 1 ? (moments[0][1].item<double>() - sum * sum / n) / (n - 1) : 0.0;
    const double share = 1.0 / collective_.world_size();
    return {{{"loss_train", loss.detach()},
             {"accuracy_train", accuracy},
             {"margin_train", margin},
             {"reward_mean", detached.sum() / double(global.rows)},
             {"reward_std", torch::tensor(std::sqrt(std::max(0.0, variance)) * share)}},
            tokens};
  }

  void skip_micro_batches(int64_t count) override {
    for (int64_t i = 0; i < count; ++i) batches_.next();
  }

  // Held-out calibration: log loss, accuracy, ECE and Brier as metrics, the whole report (the
  // reliability diagram) as an evaluation record.
  std::vector<std::pair<std::string, double>> evaluate(int64_t step, MetricsSink& sink) override {
    if (data_.validation.empty()) return {};
    std::vector<PromptCompletions> prompts;
    for (const auto& group : data_.validation) prompts.push_back({group.prompt, group.completions});
    auto scores = score_prompt_completions(model_, prompts, config_.max_length);
    CalibrationReport report = calibrate(scored_pairs(data_.validation, scores));
    if (report.pairs == 0) return {};
    data_.validation_pairs = report.pairs;
    sink.on_evaluation(step, "reward_calibration", to_json(report).dump());
    return {{"loss_val", report.log_loss},
            {"accuracy_val", report.accuracy},
            {"ece_val", report.ece},
            {"brier_val", report.brier}};
  }

  // The offset: mean raw score of the reference completions, so they score 0 on average.
  void finish(int64_t step, MetricsSink& sink) override {
    auto tops = reference_tops(reference_);
    auto scores = score_prompt_completions(model_, tops, config_.max_length);
    double sum = 0.0;
    int64_t count = 0;
    for (const auto& prompt : scores)
      for (const auto& score : prompt)
        if (score) sum += *score, ++count;
    model_.reward_offset = count > 0 ? sum / double(count) : 0.0;
    sink.on_event(step, "reward_offset",
                  "reward_offset " + std::to_string(model_.reward_offset) + " (mean score of " +
                      std::to_string(count) + " reference completions) subtracted from scores");
  }

  std::string save_model(const std::string& dir, int64_t step) override {
    CheckpointManifest manifest;
    manifest.run_id = run_id_;
    manifest.step = step;
    return save_reward_model(dir, model_, manifest).content_hash;
  }

 private:
  const RewardConfig& config_;
  RewardModel& model_;
  RewardTrainingData& data_;
  const std::vector<RankingExample>& reference_;
  int64_t run_id_;
  torch::Device device_;
  RewardLossOptions loss_options_;
  IndexCycler batches_;
  Collective& collective_;
};

}  // namespace

struct RewardTrainer::Impl {
  RewardConfig config;
  RewardData data;
  int64_t run_id = 0;
  std::atomic<bool> stop_requested{false};
  std::shared_ptr<DataParallelGroup> group;  // none: one process
};

RewardTrainer::RewardTrainer(RewardConfig config, RewardData data, int64_t run_id)
    : impl_(std::make_unique<Impl>()) {
  config.validate();
  impl_->config = std::move(config);
  impl_->data = std::move(data);
  impl_->run_id = run_id;
}

RewardTrainer::~RewardTrainer() = default;

void RewardTrainer::request_stop() { impl_->stop_requested.store(true); }

void RewardTrainer::set_data_parallel(std::shared_ptr<DataParallelGroup> group) {
  impl_->group = std::move(group);
}

RewardResult RewardTrainer::run(MetricsSink& sink) {
  const TrainerRank rank(impl_->group, impl_->config.resume_from);
  Collective& collective = rank.collective();
  const RewardConfig config = rank.with_local_resume(impl_->config);
  // Threads, device and seed; the starting checkpoint (a fresh head unless resuming); data.
  init_torch_threads(config.threads);
  const torch::Device device(check_device(config.device, "reward.device"));
  torch::manual_seed(config.seed);
  const bool resume = !config.resume_from.empty();
  RewardModel model =
      load_reward_model(resume ? config.resume_from : config.model_dir, device, resume);
  model.train(true);
  RewardTrainingData data = prepare_data(impl_->data.train, impl_->data.validation,
                                         *model.loaded.tokenizer, config);
  if (data.skipped > 0)
    sink.on_event(0, "warning",
                  std::to_string(data.skipped) +
                      " completions skipped: alone longer than reward.max_length allows");
  const auto& reference =
      impl_->data.reference.empty() ? impl_->data.train : impl_->data.reference;
  RewardClient client(config, model, data, reference, impl_->run_id, device, collective);
  const LoopConfig loop_settings = loop_config(config, static_cast<int64_t>(data.prompts.size()));
  const int64_t start_step = resume ? model.loaded.manifest.step : 0;

  LoopResult loop = run_training_loop(client, loop_settings, start_step, device, sink,
                                      impl_->stop_requested, collective);
  RewardResult result;
  result.steps_done = loop.steps_done;
  result.steps_planned = loop_settings.steps;
  result.stopped = loop.stopped;
  result.time_limited = loop.time_limited;
  result.final_dir = loop.final_dir;
  result.final_hash = loop.final_hash;
  result.loss_train = metric_value(loop.last_train, "loss_train");
  result.accuracy_train = metric_value(loop.last_train, "accuracy_train");
  result.loss_val = metric_value(loop.last_eval, "loss_val");
  result.accuracy_val = metric_value(loop.last_eval, "accuracy_val");
  result.ece_val = metric_value(loop.last_eval, "ece_val");
  result.reward_offset = model.reward_offset;
  result.prompts_train = static_cast<int64_t>(data.prompts.size());
  result.rankings_train = data.rankings;
  result.pairs_train = data.pairs;
  result.prompts_val = static_cast<int64_t>(data.validation.size());
  result.pairs_val = data.validation_pairs;
  result.completions_skipped = data.skipped;
  result.rankings_dropped = data.dropped;
  result.seconds = loop.seconds;
  return result;
}

}  // namespace prefstudio
