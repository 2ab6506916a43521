// The RLOO / GRPO trainer (see rl_trainer.h): rollouts, advantages and the clipped update as a
// client of the shared training loop.
#include "core/train/rl_trainer.h"

#include <atomic>
#include <cmath>
#include <optional>
#include <random>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/reward_model.h"
#include "core/train/completion_logprobs.h"
#include "core/train/index_cycler.h"
#include "core/train/policy_evaluation_internal.h"
#include "core/train/reward_scoring.h"
#include "core/train/rl_math.h"
#include "core/train/rollout.h"
#include "core/train/training_loop.h"

namespace prefstudio {

namespace {

// The scorer of the config's reward: a reward model (offset applied) or the rule.
RolloutScorer make_scorer(const RlConfig& config, RewardModel* reward, const RuleScore& rule,
                          int64_t max_length) {
  if (reward)
    return [reward, max_length](const std::vector<std::string>& prompts,
                                const std::vector<std::string>& completions,
                                const std::vector<bool>& ended) {
      std::vector<PromptCompletions> rows;
      for (size_t r = 0; r < prompts.size(); ++r)
        rows.push_back({prompts[r], {{completions[r], ended[r]}}});
      const auto scored = score_prompt_completions(*reward, rows, max_length);
      std::vector<double> scores;
      for (const auto& row : scored) {
        if (!row[0]) throw CoreError("reward model: a sample does not fit its n_positions");
        scores.push_back(*row[0] - reward->reward_offset);
      }
      return scores;
    };
  const std::string field = config.algorithm + ".reward";
  return [rule, field](const std::vector<std::string>& prompts,
                       const std::vector<std::string>& completions, const std::vector<bool>&) {
    std::vector<double> scores;
    for (size_t r = 0; r < prompts.size(); ++r) {
      const auto score = rule(prompts[r], completions[r]);
      if (!score)
        throw ConfigError(field + ": the rule has no score for the prompt '" + prompts[r] + "'");
      scores.push_back(*score);
    }
    return scores;
  };
}

class RlClient : public LoopClient {
 public:
  RlClient(const RlConfig& config, LoadedModel& policy, LoadedModel& reference,
           RewardModel* reward, const RlData& data, int64_t run_id, torch::Device device)
      : config_(config),
        policy_(policy),
        reference_(reference),
        reward_(reward),
        data_(data),
        run_id_(run_id),
        device_(device),
        scorer_(make_scorer(config, reward, data.rule, policy.config.n_positions)),
        prompt_batches_(data.train_prompts.size(), config.rollout_prompts, config.seed + 1) {}

  // Minibatch updates per rollout: ppo_epochs passes over its rows.
  int64_t updates_per_rollout() const {
    const int64_t rows = config_.rollout_prompts * config_.samples_per_prompt;
    return config_.ppo_epochs * ((rows + config_.minibatch_size - 1) / config_.minibatch_size);
  }
  int64_t rollouts_done() const { return rollouts_done_; }
  int64_t updates_skipped() const { return updates_skipped_; }

  NamedParameters parameters() override { return named_parameters_of(*policy_.model); }

  MicroBatchStats forward_backward(double loss_scale) override {
    if (!rollout_ || plan_cursor_ == plan_.size()) start_rollout();
    const std::vector<int64_t>& rows = plan_[plan_cursor_++];
    const SequenceBatch batch = rollout_->batch_of(rows);
    const int64_t width = batch.idx.size(1) - 1;
    auto index = torch::tensor(rows, torch::kLong).to(device_);
    auto take = [&](const torch::Tensor& t) { return t.index_select(0, index).narrow(1, 0, width); };
    const auto old_logprobs = take(rollout_->old_logprobs), ref_logprobs = take(rollout_->ref_logprobs);
    const auto mask = take(rollout_->mask);
    const auto advantages = advantages_.index_select(0, index);  // (b)
    auto logprobs = completion_token_logprobs(policy_.model, batch, config_.temperature);  // (b, T-1)
    const PolicyLoss clipped = clipped_policy_loss(
        logprobs, old_logprobs, advantages.unsqueeze(1).expand_as(logprobs), mask,
        config_.clip_range);
    const torch::Tensor loss =
        config_.algorithm == "rloo"
            ? clipped.loss
            : grpo_loss(logprobs, old_logprobs, ref_logprobs, advantages, mask,
                        config_.clip_range, config_.kl_coefficient,
                        config_.grpo_loss == "grpo" ? GrpoLossKind::grpo : GrpoLossKind::dr_grpo,
                        config_.max_new_tokens);
    MicroBatchStats stats;
    stats.tokens = batch.tokens;
    // sync point: the ratio guard needs the value now
    if (clipped.ratio_mean.item<double>() > config_.ratio_threshold) {
      stats.skip_update = true;
      ++updates_skipped_;
    } else {
      (loss * loss_scale).backward();
    }
    stats.means = rollout_stats_;
    stats.means.emplace_back("loss/policy", loss.detach());
    stats.means.emplace_back("policy/clipfrac", clipped.clipfrac);
    stats.means.emplace_back("policy/approxkl", clipped.approxkl);
    stats.means.emplace_back("val/ratio", clipped.ratio_mean);
    stats.means.emplace_back("policy/skipped", torch::tensor(stats.skip_update ? 1.0 : 0.0));
    return stats;
  }

  // Whole rollouts only: a checkpoint taken at a rollout boundary resumes exactly.
  void skip_micro_batches(int64_t count) override {
    const int64_t rollouts = count / updates_per_rollout();
    for (int64_t i = 0; i < rollouts; ++i) prompt_batches_.next();
    rollouts_done_ = rollouts;
  }

  std::vector<std::pair<std::string, double>> evaluate(int64_t step, MetricsSink& sink) override {
    if (data_.eval_prompts.empty()) return {};
    PolicyEvalConfig eval;
    eval.max_new_tokens = config_.max_new_tokens;
    eval.seed = config_.seed;
    return report_policy_evaluation(step, sink, policy_.model, reference_.model, *policy_.tokenizer,
                                    reward_, data_.eval_prompts, eval, data_.rule);
  }

  void on_logged(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                 MetricsSink& sink) override {
    const double kl = metric_value(values, "objective/kl");
    if (!warned_kl_ && kl < -0.1) {
      warned_kl_ = true;
      sink.on_event(step, "warning",
                    "objective/kl is " + std::to_string(kl) +
                        ": a negative mean k1 estimate means the samples are not the policy's own "
                        "(a temperature or sampling setting differs from the log-probs')");
    }
    const double clipfrac = metric_value(values, "policy/clipfrac");
    if (!warned_clip_ && clipfrac > 0.3) {
      warned_clip_ = true;
      sink.on_event(step, "warning",
                    "policy/clipfrac is " + std::to_string(clipfrac) +
                        ": the policy moves too far per rollout; lower the learning rate or "
                        "ppo_epochs");
    }
  }

  std::string save_model(const std::string& dir, int64_t step) override {
    return save_model_checkpoint(dir, policy_, run_id_, step, "policy");
  }

 private:
  // Samples and scores the next prompts, forms the advantages and the minibatch plan.
  void start_rollout() {
    std::vector<std::string> prompts;
    for (size_t index : prompt_batches_.next()) prompts.push_back(data_.train_prompts[index]);
    RolloutSettings settings;
    settings.samples_per_prompt = config_.samples_per_prompt;
    settings.max_new_tokens = config_.max_new_tokens;
    settings.temperature = config_.temperature;
    settings.missing_eos_penalty = config_.missing_eos_penalty;
    settings.seed = config_.seed * 1000003 + static_cast<uint64_t>(rollouts_done_);
    rollout_ = make_rollout(policy_.model, reference_.model, *policy_.tokenizer, prompts, settings,
                            scorer_);
    const Rollout& r = *rollout_;
    // KL per sequence, rewards and advantages (all on the CPU, float64: small).
    const auto old_cpu = r.old_logprobs.to(torch::kCPU, torch::kDouble);
    const auto ref_cpu = r.ref_logprobs.to(torch::kCPU, torch::kDouble);
    const auto mask_cpu = r.mask.to(torch::kCPU, torch::kDouble);
    const auto k1 = kl_k1(old_cpu, ref_cpu, mask_cpu).sum(1);  // (B)
    const auto kl = config_.kl_estimator == "k3" ? kl_k3(old_cpu, ref_cpu, mask_cpu).sum(1) : k1;
    const auto groups = std::vector<int64_t>{r.groups, r.samples_per_prompt};
    torch::Tensor advantages;
    if (config_.algorithm == "rloo") {
      const auto rewards = r.scores - config_.kl_coefficient * kl;  // (B)
      advantages = rloo_advantages(rewards.view(groups)).view({-1});
    } else {
      advantages = grpo_advantages(r.scores.view(groups), config_.grpo_loss == "grpo").view({-1});
    }
    advantages_ = advantages.to(device_, torch::kFloat);
    rollout_stats_ = {
        {"objective/scores", r.scores.mean()},
        {"objective/kl", k1.mean()},
        {"objective/entropy", (-old_cpu * mask_cpu).sum(1).mean()},
        {"objective/rlhf_reward", (r.scores - config_.kl_coefficient * kl).mean()},
        {"objective/kl_coef", torch::tensor(config_.kl_coefficient)},
        {"response/length", mask_cpu.sum(1).mean()},
        {"response/eos_rate", torch::tensor(eos_rate(r))},
        {"time/rollout", torch::tensor(r.seconds_sampling)},
        {"time/scoring", torch::tensor(r.seconds_scoring)}};
    plan_minibatches(r.groups * r.samples_per_prompt);
    ++rollouts_done_;
  }

  static double eos_rate(const Rollout& r) {
    double ended = 0;
    for (bool e : r.ended) ended += e;
    return r.ended.empty() ? 0.0 : ended / double(r.ended.size());
  }

  // ppo_epochs shuffled passes over the rows, cut into minibatches; seeded by the rollout.
  void plan_minibatches(int64_t rows) {
    plan_.clear();
    plan_cursor_ = 0;
    std::mt19937_64 rng(config_.seed * 7919 + static_cast<uint64_t>(rollouts_done_));
    std::vector<int64_t> order(rows);
    for (int64_t r = 0; r < rows; ++r) order[r] = r;
    for (int64_t epoch = 0; epoch < config_.ppo_epochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng);
      for (int64_t start = 0; start < rows; start += config_.minibatch_size)
        plan_.emplace_back(order.begin() + start,
                           order.begin() + std::min(rows, start + config_.minibatch_size));
    }
  }

  const RlConfig& config_;
  LoadedModel& policy_;
  LoadedModel& reference_;
  RewardModel* reward_;
  const RlData& data_;
  int64_t run_id_;
  torch::Device device_;
  RolloutScorer scorer_;
  IndexCycler prompt_batches_;
  std::optional<Rollout> rollout_;
  torch::Tensor advantages_;  // (B) per row of the rollout
  std::vector<std::pair<std::string, torch::Tensor>> rollout_stats_;
  std::vector<std::vector<int64_t>> plan_;
  size_t plan_cursor_ = 0;
  int64_t rollouts_done_ = 0, updates_skipped_ = 0;
  bool warned_kl_ = false, warned_clip_ = false;
};

}  // namespace

struct RlTrainer::Impl {
  RlConfig config;
  RlData data;
  int64_t run_id = 0;
  std::atomic<bool> stop_requested{false};
};

RlTrainer::RlTrainer(RlConfig config, RlData data, int64_t run_id)
    : impl_(std::make_unique<Impl>()) {
  config.validate();
  if (data.train_prompts.empty())
    throw ConfigError(config.algorithm + ": no training prompt; add prompts to the project first");
  impl_->config = std::move(config);
  impl_->data = std::move(data);
  impl_->run_id = run_id;
}

RlTrainer::~RlTrainer() = default;

void RlTrainer::request_stop() { impl_->stop_requested.store(true); }

RlResult RlTrainer::run(MetricsSink& sink) {
  const RlConfig& config = impl_->config;
  // Threads, device, seed; the policy (dropout off: the ratio compares two forwards of the same
  // weights), the frozen reference, the reward model.
  init_torch_threads(config.threads);
  const torch::Device device(check_device(config.device, config.algorithm + ".device"));
  torch::manual_seed(config.seed);
  const bool resume = !config.resume_from.empty();
  LoadedModel policy = load_checkpoint(resume ? config.resume_from : config.policy_dir, device);
  policy.model->set_dropout(0.0);
  policy.model->train();
  LoadedModel reference = load_checkpoint(config.reference(), device);
  reference.model->eval();
  for (auto& parameter : reference.model->parameters()) parameter.set_requires_grad(false);
  if (reference.tokenizer->kind() != policy.tokenizer->kind() ||
      reference.config.vocab_size != policy.config.vocab_size)
    throw FormatError(config.reference() + ": the reference's tokenizer or vocabulary differs "
                                           "from the policy's");
  std::optional<RewardModel> reward;
  if (!config.reward_model_dir.empty())
    reward.emplace(load_reward_model(config.reward_model_dir, device, true));

  RlClient client(config, policy, reference, reward ? &*reward : nullptr, impl_->data,
                  impl_->run_id, device);
  const int64_t per_rollout = client.updates_per_rollout();
  LoopConfig loop = loop_config_from(config, config.algorithm);
  loop.steps = config.steps * per_rollout;
  loop.log_every = config.log_every * per_rollout;
  loop.eval_every = config.eval_every * per_rollout;
  loop.checkpoint_every = config.checkpoint_every * per_rollout;
  const int64_t start_step = resume ? policy.manifest.step : 0;
  LoopResult done = run_training_loop(client, loop, start_step, device, sink,
                                      impl_->stop_requested);

  RlResult result;
  result.rollouts_done = client.rollouts_done();
  result.updates_done = done.steps_done;
  result.updates_skipped = client.updates_skipped();
  result.stopped = done.stopped;
  result.time_limited = done.time_limited;
  result.final_dir = done.final_dir;
  result.final_hash = done.final_hash;
  result.score = metric_value(done.last_train, "objective/scores");
  result.kl = metric_value(done.last_train, "objective/kl");
  result.eval_kl = metric_value(done.last_eval, "eval/kl");
  result.eval_true_score = metric_value(done.last_eval, "eval/true_score");
  result.eval_reward = metric_value(done.last_eval, "eval/reward");
  result.seconds = done.seconds;
  return result;
}

}  // namespace prefstudio
