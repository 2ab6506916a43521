// RlClient (see rl_client.h): rollouts, advantages and the clipped updates of PPO, RLOO and GRPO.
#include "core/train/rl_client.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/train/autocast_guard.h"
#include "core/train/completion_logprobs.h"
#include "core/train/policy_evaluation_internal.h"
#include "core/train/reward_scoring.h"

namespace prefstudio {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

// PPO-ptx's demonstrations, tokenized; those whose prompt alone fills the model are left out.
std::vector<TokenizedExample> tokenize_ptx(const RlConfig& config, const RlData& data,
                                           const Tokenizer& tokenizer, int64_t max_length) {
  std::vector<TokenizedExample> out;
  if (config.ptx_coefficient <= 0.0) return out;
  for (const SftExample& example : data.ptx_examples) {
    TokenizedExample tokenized = tokenize_example(example, tokenizer, max_length);
    if (tokenized.prompt_length < static_cast<int64_t>(tokenized.ids.size()))
      out.push_back(std::move(tokenized));
  }
  if (out.empty())
    throw ConfigError(config.algorithm + ".ptx_data: no demonstration with a response that fits "
                                         "the model (" + config.ptx_data + ")");
  return out;
}

double eos_rate(const Rollout& r) {
  double ended = 0;
  for (bool e : r.ended) ended += e;
  return r.ended.empty() ? 0.0 : ended / double(r.ended.size());
}

// 1 - Var(returns - values) / Var(returns) over the real tokens: how much of the returns the
// critic explains (1 perfect, 0 no better than their mean, negative worse).
torch::Tensor explained_variance(const torch::Tensor& values, const torch::Tensor& returns,
                                 const torch::Tensor& mask) {
  auto variance = [&](const torch::Tensor& x) {
    const auto mean = masked_mean(x, mask);
    return masked_mean((x - mean).pow(2), mask);
  };
  return 1.0 - variance(returns - values) / variance(returns).clamp_min(1e-12);
}

}  // namespace

RlClient::RlClient(const RlConfig& config, LoadedModel& policy, LoadedModel& reference,
                   RewardModel* reward, ValueCritic* critic, const RlData& data, int64_t run_id,
                   torch::Device device)
    : config_(config),
      policy_(policy),
      reference_(reference),
      reward_(reward),
      critic_(critic),
      data_(data),
      run_id_(run_id),
      device_(device),
      scorer_(make_scorer(config, reward, data.rule, policy.config.n_positions)),
      prompt_batches_(data.train_prompts.size(), config.rollout_prompts, config.seed + 1),
      kl_controller_(config.kl_coefficient, config.kl_target.value_or(1.0), config.kl_horizon),
      ptx_examples_(tokenize_ptx(config, data, *policy.tokenizer, policy.config.n_positions)) {
  if (!ptx_examples_.empty())
    ptx_batches_.emplace(ptx_examples_.size(), config.minibatch_size, config.seed + 2);
}

int64_t RlClient::updates_per_rollout() const {
  const int64_t rows = config_.rollout_prompts * config_.samples_per_prompt;
  return config_.ppo_epochs * ((rows + config_.minibatch_size - 1) / config_.minibatch_size);
}

void RlClient::restore_state(const std::string& checkpoint_dir) {
  const auto path = fs::path(checkpoint_dir) / kRlStateFileName;
  std::ifstream in(path);
  if (!in) throw FormatError(path.string() + ": missing; resume_from must name an RL checkpoint");
  try {
    kl_controller_.set_value(nlohmann::json::parse(in).at("kl_coefficient").get<double>());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path.string() + ": " + e.what());
  }
}

NamedParameters RlClient::parameters() { return named_parameters_of(*policy_.model); }

std::vector<ExtraParameters> RlClient::extra_parameters() {
  if (!critic_) return {};
  return {{"value", critic_->model.parameters(), config_.value_optimizer}};
}

MicroBatchStats RlClient::forward_backward(double loss_scale) {
  if (!rollout_ || plan_cursor_ == plan_.size()) start_rollout();
  const auto started = Clock::now();
  const std::vector<int64_t>& rows = plan_[plan_cursor_++];
  const SequenceBatch batch = rollout_->batch_of(rows);
  const int64_t width = batch.idx.size(1) - 1;
  auto index = torch::tensor(rows, torch::kLong).to(device_);
  // The minibatch's rows of a per-token rollout tensor, cut to the minibatch's width.
  auto take = [&](const torch::Tensor& t) { return t.index_select(0, index).narrow(1, 0, width); };
  const auto old_logprobs = take(rollout_->old_logprobs), mask = take(rollout_->mask);
  const bool ppo = critic_ != nullptr;
  torch::Tensor entropy;
  auto logprobs = completion_token_logprobs(
      policy_.model, batch, config_.temperature,
      ppo && config_.entropy_coefficient > 0 ? &entropy : nullptr);  // (b, T-1)

  MicroBatchStats stats;
  stats.tokens = batch.tokens;
  stats.means = rollout_stats_;
  torch::Tensor loss, policy_loss;
  PolicyLoss clipped;
  if (ppo) {
    clipped = clipped_policy_loss(logprobs, old_logprobs, take(token_advantages_), mask,
                                  config_.clip_range);
    const ValueLoss value = clipped_value_loss(critic_->values(batch), take(old_values_),
                                               take(returns_), mask, config_.clip_range_value);
    policy_loss = clipped.loss;
    loss = policy_loss + config_.value_coefficient * value.loss;
    stats.means.emplace_back("loss/value", value.loss.detach());
    stats.means.emplace_back("val/clipfrac", value.clipfrac);
    if (entropy.defined()) {
      const auto mean_entropy = masked_mean(entropy, mask);
      loss = loss - config_.entropy_coefficient * mean_entropy;
      stats.means.emplace_back("policy/entropy", mean_entropy.detach());
    }
    if (ptx_batches_) {
      const auto ptx = ptx_loss();
      loss = loss + config_.ptx_coefficient * ptx;
      stats.means.emplace_back("loss/ptx", ptx.detach());
    }
  } else {
    const auto advantages = sequence_advantages_.index_select(0, index);  // (b)
    clipped = clipped_policy_loss(logprobs, old_logprobs,
                                  advantages.unsqueeze(1).expand_as(logprobs), mask,
                                  config_.clip_range);
    loss = policy_loss = config_.algorithm == "rloo"
               ? clipped.loss
               : grpo_loss(logprobs, old_logprobs, take(rollout_->ref_logprobs), advantages, mask,
                           config_.clip_range, rollout_kl_coefficient_,
                           config_.grpo_loss == "grpo" ? GrpoLossKind::grpo : GrpoLossKind::dr_grpo,
                           config_.max_new_tokens);
  }
  // sync point: the ratio guard needs the value now
  if (clipped.ratio_mean.item<double>() > config_.ratio_threshold) {
    stats.skip_update = true;
    ++updates_skipped_;
  } else {
    (loss * loss_scale).backward();
  }
  stats.means.emplace_back("loss/policy", policy_loss.detach());
  if (ppo) stats.means.emplace_back("loss/total", loss.detach());
  stats.means.emplace_back("policy/clipfrac", clipped.clipfrac);
  stats.means.emplace_back("policy/approxkl", clipped.approxkl);
  stats.means.emplace_back("val/ratio", clipped.ratio_mean);
  stats.means.emplace_back("policy/skipped", torch::tensor(stats.skip_update ? 1.0 : 0.0));
  // Forward and backward of all of a rollout's minibatches (the optimizer steps left out).
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  stats.means.emplace_back("time/update", torch::tensor(seconds * double(updates_per_rollout())));
  return stats;
}

torch::Tensor RlClient::ptx_loss() {
  std::vector<const TokenizedExample*> rows;
  for (size_t index : ptx_batches_->next()) rows.push_back(&ptx_examples_[index]);
  const SftBatch batch = make_sft_batch(rows, policy_.tokenizer->eos_id());
  AutocastGuard autocast(device_);
  return sft_loss(policy_.model->forward(batch.idx.to(device_)), batch.labels.to(device_));
}

// Whole rollouts only: a checkpoint taken at a rollout boundary resumes exactly.
void RlClient::skip_micro_batches(int64_t count) {
  const int64_t rollouts = count / updates_per_rollout();
  for (int64_t i = 0; i < rollouts; ++i) prompt_batches_.next();
  if (ptx_batches_)
    for (int64_t i = 0; i < rollouts * updates_per_rollout(); ++i) ptx_batches_->next();
  rollouts_done_ = rollouts;
}

std::vector<std::pair<std::string, double>> RlClient::evaluate(int64_t step, MetricsSink& sink) {
  if (data_.eval_prompts.empty()) return {};
  PolicyEvalConfig eval;
  eval.max_new_tokens = config_.max_new_tokens;
  eval.seed = config_.seed;
  return report_policy_evaluation(step, sink, policy_.model, reference_.model, *policy_.tokenizer,
                                  reward_, data_.eval_prompts, eval, data_.rule);
}

void RlClient::on_logged(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                         MetricsSink& sink) {
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

// <dir>/policy (kind policy), <dir>/value (PPO's critic, kind value) and rl_state.json; the loop
// writes the optimizer states beside them.
std::string RlClient::save_model(const std::string& dir, int64_t step) {
  fs::create_directories(dir);
  const std::string hash = save_model_checkpoint((fs::path(dir) / "policy").string(), policy_,
                                                 run_id_, step, "policy");
  if (critic_) {
    CheckpointManifest manifest;
    manifest.run_id = run_id_;
    manifest.step = step;
    save_value_model((fs::path(dir) / "value").string(), critic_->model, manifest);
  }
  write_file_durably((fs::path(dir) / kRlStateFileName).string(),
                     nlohmann::json{{"kl_coefficient", kl_controller_.value()},
                                    {"rollouts_done", rollouts_done_}}
                             .dump(2) +
                         "\n");
  return hash;
}

// Samples and scores the next prompts, forms the advantages and the minibatch plan.
void RlClient::start_rollout() {
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
  // KL per token and sequence, rewards and advantages (on the CPU, float64: small).
  const auto old_cpu = r.old_logprobs.to(torch::kCPU, torch::kDouble);
  const auto ref_cpu = r.ref_logprobs.to(torch::kCPU, torch::kDouble);
  const auto mask_cpu = r.mask.to(torch::kCPU, torch::kDouble);
  const auto k1 = kl_k1(old_cpu, ref_cpu, mask_cpu).sum(1);  // (B)
  const auto kl_tokens = config_.kl_estimator == "k3" ? kl_k3(old_cpu, ref_cpu, mask_cpu)
                                                      : kl_k1(old_cpu, ref_cpu, mask_cpu);
  const double kl_coefficient = rollout_kl_coefficient_ = kl_controller_.value();
  const auto rlhf_reward = r.scores - kl_coefficient * kl_tokens.sum(1);  // (B)
  rollout_stats_ = {
      {"objective/scores", r.scores.mean()},
      {"objective/kl", k1.mean()},
      {"objective/entropy", (-old_cpu * mask_cpu).sum(1).mean()},
      {"objective/rlhf_reward", rlhf_reward.mean()},
      {"objective/kl_coef", torch::tensor(kl_coefficient)},
      {"response/length", mask_cpu.sum(1).mean()},
      {"response/eos_rate", torch::tensor(eos_rate(r))},
      {"time/rollout", torch::tensor(r.seconds_sampling)},
      {"time/scoring", torch::tensor(r.seconds_scoring)}};
  const auto groups = std::vector<int64_t>{r.groups, r.samples_per_prompt};
  if (critic_) {
    form_ppo_advantages(kl_coefficient * kl_tokens, mask_cpu);
  } else if (config_.algorithm == "rloo") {
    sequence_advantages_ =
        rloo_advantages(rlhf_reward.view(groups)).view({-1}).to(device_, torch::kFloat);
  } else {
    sequence_advantages_ = grpo_advantages(r.scores.view(groups), config_.grpo_loss == "grpo")
                               .view({-1})
                               .to(device_, torch::kFloat);
  }
  // Ziegler et al.'s controller moves the coefficient the next rollout uses.
  if (config_.kl_target) kl_controller_.update(k1.mean().item<double>(), r.ended.size());
  plan_minibatches(r.groups * r.samples_per_prompt);
  ++rollouts_done_;
}

// PPO: per-token reward -coef * KL_t with the score added at each row's last completion token, the
// critic's values of the rollout, GAE, advantages whitened over the real tokens.
void RlClient::form_ppo_advantages(const torch::Tensor& kl_penalty, const torch::Tensor& mask) {
  const Rollout& r = *rollout_;
  critic_->model.train(false);
  const auto values = r.per_token([&](const SequenceBatch& batch) { return critic_->values(batch); })
                          .to(torch::kCPU, torch::kDouble);  // (B, T-1)
  critic_->model.train(true);
  auto rewards = -kl_penalty;  // (B, T-1)
  const auto positions = torch::arange(mask.size(1), mask.options());
  const auto last = (mask * positions).argmax(1, /*keepdim=*/true);  // (B, 1) last real token
  rewards.scatter_add_(1, last, r.scores.unsqueeze(1));
  const Gae gae = generalized_advantages(rewards, values, mask, config_.discount, config_.gae_lambda);
  const auto advantages =
      config_.whiten_advantages ? masked_whiten(gae.advantages, mask) : gae.advantages;
  token_advantages_ = advantages.to(device_, torch::kFloat);
  old_values_ = values.to(device_, torch::kFloat);
  returns_ = gae.returns.to(device_, torch::kFloat);
  rollout_stats_.emplace_back("val/explained_variance", explained_variance(values, gae.returns, mask));
  rollout_stats_.emplace_back("val/mean", masked_mean(values, mask));
}

// ppo_epochs shuffled passes over the rows, cut into minibatches; seeded by the rollout.
void RlClient::plan_minibatches(int64_t rows) {
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

}  // namespace prefstudio
