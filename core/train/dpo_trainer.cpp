// The DPO trainer (see dpo_trainer.h): a LoopClient adding the K-wise pair batch and the loss to
// the shared training loop, the held-out pair metrics and the shared policy evaluation at each
// evaluation, and the one warning DPO users need (chosen rewards falling while margins rise).
#include "core/train/dpo_trainer.h"

#include <atomic>
#include <cmath>
#include <optional>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/model/checkpoint.h"
#include "core/model/reward_model.h"
#include "core/train/completion_logprobs.h"
#include "core/train/dpo_data.h"
#include "core/train/dpo_loss.h"
#include "core/train/index_cycler.h"
#include "core/train/policy_evaluation_internal.h"
#include "core/train/quiet_sink.h"
#include "core/train/trainer_rank.h"
#include "core/train/training_loop.h"

namespace prefstudio {

namespace {

// The loss's inputs and metrics for some prompts under the policy (differentiable when grad is on).
DpoLossOutput pair_loss(Gpt& policy, const std::vector<const DpoPrompt*>& prompts, int64_t pad_id,
                        const DpoLossOptions& options, int64_t* tokens = nullptr) {
  std::vector<SequenceRow> rows;
  for (const DpoPrompt* prompt : prompts) prompt->append_rows(rows);
  auto batch = make_sequence_batch(rows, pad_id);
  if (tokens) *tokens = batch.tokens;
  auto logprobs = completion_logprobs(policy, batch);  // (B)
  return dpo_loss(make_dpo_pair_batch(prompts, logprobs, completion_token_counts(batch)), options);
}

std::vector<std::pair<std::string, torch::Tensor>> named_metrics(const DpoLossOutput& out,
                                                                 const std::string& prefix) {
  return {{prefix + "loss", out.loss.detach()},
          {prefix + "rewards/chosen", out.rewards_chosen},
          {prefix + "rewards/rejected", out.rewards_rejected},
          {prefix + "rewards/accuracies", out.accuracies},
          {prefix + "rewards/margins", out.margins},
          {prefix + "logps/chosen", out.logps_chosen},
          {prefix + "logps/rejected", out.logps_rejected}};
}

class DpoClient : public LoopClient {
 public:
  DpoClient(const DpoConfig& config, LoadedModel& policy, DpoPreparedData& data,
            const DpoData& inputs, int64_t run_id, torch::Device device, Collective& collective)
      : config_(config),
        policy_(policy),
        data_(data),
        inputs_(inputs),
        run_id_(run_id),
        device_(device),
        options_{parse_dpo_loss_kind(config.loss, "dpo.loss"), config.beta_value(),
                 config.label_smoothing_value(), config.gamma, config.nll_coefficient},
        batches_(data.train.size(), config.batch_prompts, config.seed + 1),
        collective_(collective) {
    if (collective.world_size() > config.batch_prompts)
      throw ConfigError("dpo.batch_prompts (" + std::to_string(config.batch_prompts) +
                        ") is the global batch: at least one prompt per rank, and there are " +
                        std::to_string(collective.world_size()));
  }

  bool shards_its_batches() const override { return true; }

  NamedParameters parameters() override { return named_parameters_of(*policy_.model); }

  // Each rank takes every world_size-th prompt of the global micro-batch (a prompt's rankings stay
  // together). The loss and every metric are means over the batch's rankings, each weighing one,
  // so a rank's are weighed by its share of the global batch's rankings and sum to one process's.
  MicroBatchStats forward_backward(double loss_scale) override {
    std::vector<const DpoPrompt*> prompts;
    int64_t rankings = 0, global_rankings = 0;
    const std::vector<size_t> drawn = batches_.next();
    for (size_t i = 0; i < drawn.size(); ++i) {
      const DpoPrompt& prompt = data_.train[drawn[i]];
      global_rankings += prompt.rankings;
      if (static_cast<int>(i) % collective_.world_size() != collective_.rank()) continue;
      prompts.push_back(&prompt);
      rankings += prompt.rankings;
    }
    int64_t tokens = 0;
    DpoLossOutput out =
        pair_loss(policy_.model, prompts, policy_.tokenizer->eos_id(), options_, &tokens);
    const double share = double(rankings) / double(global_rankings);
    (out.loss * (loss_scale * share)).backward();
    auto metrics = named_metrics(out, "");
    for (auto& metric : metrics) metric.second = metric.second * share;
    return {std::move(metrics), tokens};
  }

  void skip_micro_batches(int64_t count) override {
    for (int64_t i = 0; i < count; ++i) batches_.next();
  }

  std::vector<std::pair<std::string, double>> evaluate(int64_t step, MetricsSink& sink) override {
    std::vector<std::pair<std::string, double>> values = held_out_pair_metrics();
    if (!inputs_.eval_prompts.empty()) add_policy_evaluation(step, sink, values);
    return values;
  }

  // The warning of issue-tracker fame: DPO can widen the margin by pushing both log-probs down.
  void on_logged(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                 MetricsSink& sink) override {
    const double chosen = metric_value(values, "rewards/chosen");
    const double margin = metric_value(values, "rewards/margins");
    if (!first_chosen_) {
      first_chosen_ = chosen, first_margin_ = margin;
      return;
    }
    if (warned_ || !(chosen < 0.0 && chosen < *first_chosen_ && margin > *first_margin_)) return;
    warned_ = true;
    sink.on_event(step, "warning",
                  "rewards/chosen fell to " + std::to_string(chosen) + " while rewards/margins rose to " +
                      std::to_string(margin) +
                      ": DPO can widen the margin by lowering the chosen log-probs too, the "
                      "rejected faster (expected for near-duplicate pairs); watch eval/true_score "
                      "and eval/kl, or set nll_coefficient to hold the chosen up (RPO)");
  }

  std::string save_model(const std::string& dir, int64_t step) override {
    return save_model_checkpoint(dir, policy_, run_id_, step, "policy");
  }

 private:
  // The training metrics on the validation rankings' pairs, all at once (no grad).
  std::vector<std::pair<std::string, double>> held_out_pair_metrics() {
    if (data_.validation.empty()) return {};
    torch::NoGradGuard no_grad;
    std::vector<const DpoPrompt*> prompts;
    for (const auto& prompt : data_.validation) prompts.push_back(&prompt);
    std::vector<torch::Tensor> sums, counts;
    // Forward in slices of batch_prompts prompts; the loss over all pairs at once.
    for (size_t start = 0; start < prompts.size(); start += config_.batch_prompts) {
      const size_t end = std::min(prompts.size(), start + static_cast<size_t>(config_.batch_prompts));
      std::vector<SequenceRow> rows;
      for (size_t p = start; p < end; ++p) prompts[p]->append_rows(rows);
      auto batch = make_sequence_batch(rows, policy_.tokenizer->eos_id());
      sums.push_back(completion_logprobs(policy_.model, batch));
      counts.push_back(completion_token_counts(batch));
    }
    DpoLossOutput out =
        dpo_loss(make_dpo_pair_batch(prompts, torch::cat(sums), torch::cat(counts)), options_);
    std::vector<std::pair<std::string, double>> values;
    for (const auto& [name, value] : named_metrics(out, "eval/"))
      values.emplace_back(name, value.item<double>());  // sync point: evaluation
    return values;
  }

  // The shared policy evaluation on the validation prompts; the reference is loaded for it only.
  void add_policy_evaluation(int64_t step, MetricsSink& sink,
                             std::vector<std::pair<std::string, double>>& values) {
    LoadedModel reference = load_checkpoint(config_.reference(), device_);
    if (!config_.reward_model_dir.empty() && !reward_)
      reward_.emplace(load_reward_model(config_.reward_model_dir, device_, true));
    PolicyEvalConfig eval;
    eval.samples_per_prompt = config_.eval_samples;
    eval.max_new_tokens = config_.max_new_tokens;
    eval.seed = config_.seed;  // the same samples' randomness at every evaluation
    const auto policy_values = report_policy_evaluation(
        step, sink, policy_.model, reference.model, *policy_.tokenizer,
        reward_ ? &*reward_ : nullptr, inputs_.eval_prompts, eval, inputs_.rule);
    values.insert(values.end(), policy_values.begin(), policy_values.end());
  }

  const DpoConfig& config_;
  LoadedModel& policy_;
  DpoPreparedData& data_;
  const DpoData& inputs_;
  int64_t run_id_;
  torch::Device device_;
  DpoLossOptions options_;
  IndexCycler batches_;
  Collective& collective_;
  std::optional<RewardModel> reward_;
  std::optional<double> first_chosen_, first_margin_;
  bool warned_ = false;
};

// The loop's settings; steps = 0 means `epochs` passes over the training prompts.
LoopConfig loop_config(const DpoConfig& config, int64_t prompts) {
  LoopConfig loop = loop_config_from(config, "dpo");
  const double per_step = double(config.batch_prompts * config.grad_accum);
  if (config.steps == 0)
    loop.steps = std::max<int64_t>(1, std::ceil(config.epochs * double(prompts) / per_step));
  return loop;
}

}  // namespace

struct DpoTrainer::Impl {
  DpoConfig config;
  DpoData data;
  ReferenceLogprobCache* cache = nullptr;
  int64_t run_id = 0;
  std::atomic<bool> stop_requested{false};
  std::shared_ptr<DataParallelGroup> group;  // none: one process
};

DpoTrainer::DpoTrainer(DpoConfig config, DpoData data, ReferenceLogprobCache* cache,
                       int64_t run_id)
    : impl_(std::make_unique<Impl>()) {
  config.validate();
  impl_->config = std::move(config);
  impl_->data = std::move(data);
  impl_->cache = cache;
  impl_->run_id = run_id;
}

DpoTrainer::~DpoTrainer() = default;

void DpoTrainer::request_stop() { impl_->stop_requested.store(true); }

void DpoTrainer::set_data_parallel(std::shared_ptr<DataParallelGroup> group) {
  impl_->group = std::move(group);
}

DpoResult DpoTrainer::run(MetricsSink& rank_sink) {
  const TrainerRank rank(impl_->group, impl_->config.resume_from);
  Collective& collective = rank.collective();
  const DpoConfig config = rank.with_local_resume(impl_->config);
  // Threads, device and seed; the policy (dropout off: the policy and reference log-probs must be
  // the same function of the weights, as TRL does it); data and the reference's log-probs.
  init_torch_threads(config.threads);
  const torch::Device device(check_device(config.device, "dpo.device"));
  torch::manual_seed(config.seed);
  QuietSink quiet;  // data parallel: only rank 0 reports
  MetricsSink& sink = collective.rank() == 0 ? rank_sink : quiet;
  const bool resume = !config.resume_from.empty();
  LoadedModel policy = load_checkpoint(resume ? config.resume_from : config.policy_dir, device);
  policy.model->set_dropout(0.0);
  policy.model->train();
  DpoPreparedData data = prepare_dpo_data(impl_->data.train, impl_->data.validation,
                                          *policy.tokenizer, config.max_length);
  if (data.skipped > 0)
    sink.on_event(0, "warning",
                  std::to_string(data.skipped) +
                      " completions skipped: alone longer than dpo.max_length allows");
  ReferenceFill fill;
  if (dpo_loss_uses_reference(parse_dpo_loss_kind(config.loss, "dpo.loss"))) {
    std::vector<DpoPrompt*> prompts;
    for (auto& prompt : data.train) prompts.push_back(&prompt);
    for (auto& prompt : data.validation) prompts.push_back(&prompt);
    fill = fill_reference_logprobs(prompts, config.reference(), *policy.tokenizer,
                                   policy.config.vocab_size, device, impl_->cache, collective);
    sink.on_event(0, "reference",
                  "reference log-probs: " + std::to_string(fill.cached) + " from the cache, " +
                      std::to_string(fill.computed) + " computed" +
                      (fill.computed > 0 ? " and cached" : "; the reference was not loaded"));
  } else {
    for (auto* side : {&data.train, &data.validation})
      for (auto& prompt : *side) prompt.reference.assign(prompt.kept.size(), {});
  }
  DpoData& inputs = impl_->data;
  if (static_cast<int64_t>(inputs.eval_prompts.size()) > config.eval_prompts)
    inputs.eval_prompts.resize(config.eval_prompts);

  DpoClient client(config, policy, data, inputs, impl_->run_id, device, collective);
  const LoopConfig loop_settings = loop_config(config, static_cast<int64_t>(data.train.size()));
  const int64_t start_step = resume ? policy.manifest.step : 0;
  LoopResult loop = run_training_loop(client, loop_settings, start_step, device, sink,
                                      impl_->stop_requested, collective);

  DpoResult result;
  result.steps_done = loop.steps_done;
  result.steps_planned = loop_settings.steps;
  result.stopped = loop.stopped;
  result.time_limited = loop.time_limited;
  result.final_dir = loop.final_dir;
  result.final_hash = loop.final_hash;
  result.loss = metric_value(loop.last_train, "loss");
  result.accuracy = metric_value(loop.last_train, "rewards/accuracies");
  result.margin = metric_value(loop.last_train, "rewards/margins");
  result.eval_kl = metric_value(loop.last_eval, "eval/kl");
  result.eval_true_score = metric_value(loop.last_eval, "eval/true_score");
  result.eval_reward = metric_value(loop.last_eval, "eval/reward");
  result.eval_accuracy = metric_value(loop.last_eval, "eval/rewards/accuracies");
  result.prompts_train = static_cast<int64_t>(data.train.size());
  result.rankings_train = data.rankings;
  result.pairs_train = data.pairs;
  result.completions_skipped = data.skipped;
  result.rankings_dropped = data.dropped;
  result.reference_cached = fill.cached;
  result.reference_computed = fill.computed;
  result.seconds = loop.seconds;
  return result;
}

}  // namespace prefstudio
