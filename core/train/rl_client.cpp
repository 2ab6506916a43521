// RlClient (see rl_client.h): rollouts, advantages and the clipped updates of PPO, RLOO and GRPO.
#include "core/train/rl_client.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/dist/collective.h"
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

}  // namespace

RlClient::RlClient(const RlConfig& config, LoadedModel& policy, LoadedModel& reference,
                   RewardModel* reward, ValueCritic* critic, const RlData& data, int64_t run_id,
                   torch::Device device, Collective& collective)
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
      ptx_examples_(tokenize_ptx(config, data, *policy.tokenizer, policy.config.n_positions)),
      collective_(collective) {
  if (collective.world_size() > config.rollout_prompts)
    throw ConfigError(config.algorithm + ".rollout_prompts (" +
                      std::to_string(config.rollout_prompts) +
                      ") is the global rollout: at least one prompt per rank, and there are " +
                      std::to_string(collective.world_size()));
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

// Data parallel: each rank holds the rollout rows of its prompts and runs the minibatch's rows
// among them. Every loss and metric is a mean over the minibatch's tokens (or rows, or PTX
// tokens); a rank's is weighed by its share of the global minibatch's, so that they sum over the
// ranks to one process's. A rank without a row of this minibatch adds zeros.
MicroBatchStats RlClient::forward_backward(double loss_scale) {
  if (!rollout_ || plan_cursor_ == plan_.size()) start_rollout();
  const auto started = Clock::now();
  const MinibatchShare share = share_of(plan_[plan_cursor_++]);
  const bool ppo = critic_ != nullptr;
  const bool any = !share.rows.empty();
  const auto zero = torch::zeros({}, torch::kFloat);

  torch::Tensor logprobs, old_logprobs, mask, entropy, index;
  std::optional<SequenceBatch> batch;
  int64_t width = 0;
  if (any) {
    batch.emplace(rollout_->batch_of(share.rows));
    width = batch->idx.size(1) - 1;
    index = torch::tensor(share.rows, torch::kLong).to(device_);
  }
  // The minibatch's rows of a per-token rollout tensor, cut to the minibatch's width.
  auto take = [&](const torch::Tensor& t) { return t.index_select(0, index).narrow(1, 0, width); };
  if (any) {
    old_logprobs = take(rollout_->old_logprobs);
    mask = take(rollout_->mask);
    logprobs = completion_token_logprobs(
        policy_.model, *batch, config_.temperature,
        ppo && config_.entropy_coefficient > 0 ? &entropy : nullptr);  // (b, T-1)
  }

  MicroBatchStats stats;
  stats.tokens = any ? batch->tokens : 0;
  stats.means = rollout_stats_;
  auto add = [&](const std::string& name, const torch::Tensor& value, double weight) {
    stats.means.emplace_back(name, any ? (value.detach().to(torch::kCPU, torch::kFloat) * weight)
                                       : zero);
  };
  torch::Tensor loss = zero, policy_loss = zero;  // this rank's shares
  PolicyLoss clipped;
  if (any && ppo) {
    clipped = clipped_policy_loss(logprobs, old_logprobs, take(token_advantages_), mask,
                                  config_.clip_range);
    policy_loss = clipped.loss * share.tokens;
  } else if (any) {
    const auto advantages = sequence_advantages_.index_select(0, index);  // (b)
    clipped = clipped_policy_loss(logprobs, old_logprobs,
                                  advantages.unsqueeze(1).expand_as(logprobs), mask,
                                  config_.clip_range);
    policy_loss =
        config_.algorithm == "rloo"
            ? clipped.loss * share.tokens
            : grpo_loss(logprobs, old_logprobs, take(rollout_->ref_logprobs), advantages, mask,
                        config_.clip_range, rollout_kl_coefficient_,
                        config_.grpo_loss == "grpo" ? GrpoLossKind::grpo : GrpoLossKind::dr_grpo,
                        config_.max_new_tokens) *
                  share.row_share;
  }
  loss = policy_loss;
  if (ppo) {
    ValueLoss value;
    if (any)
      value = clipped_value_loss(critic_->values(*batch), take(old_values_), take(returns_), mask,
                                 config_.clip_range_value);
    if (any) loss = loss + config_.value_coefficient * value.loss * share.tokens;
    add("loss/value", value.loss, share.tokens);
    add("val/clipfrac", value.clipfrac, share.tokens);
    if (config_.entropy_coefficient > 0) {
      const auto mean_entropy = any ? masked_mean(entropy, mask) : zero;
      if (any) loss = loss - config_.entropy_coefficient * mean_entropy * share.tokens;
      add("policy/entropy", mean_entropy, share.tokens);
    }
    if (ptx_batches_) {
      const auto [ptx, ptx_share] = ptx_loss();
      if (ptx.defined()) loss = loss + config_.ptx_coefficient * ptx * ptx_share;
      stats.means.emplace_back(
          "loss/ptx", ptx.defined() ? ptx.detach().to(torch::kCPU, torch::kFloat) * ptx_share : zero);
    }
  }
  // The ratio guard, on the whole minibatch's mean ratio (sync point: the value is needed now).
  std::vector<torch::Tensor> ratio{any ? (clipped.ratio_mean.to(torch::kCPU, torch::kDouble) *
                                          share.tokens).reshape({1})
                                       : torch::zeros({1}, torch::kDouble)};
  collective_.all_reduce_sum(ratio);
  if (ratio[0].item<double>() > config_.ratio_threshold) {
    stats.skip_update = true;
    ++updates_skipped_;
  } else if (loss.requires_grad()) {
    (loss * loss_scale).backward();
  }
  stats.means.emplace_back("loss/policy", policy_loss.detach().to(torch::kCPU, torch::kFloat));
  if (ppo) stats.means.emplace_back("loss/total", loss.detach().to(torch::kCPU, torch::kFloat));
  add("policy/clipfrac", clipped.clipfrac, share.tokens);
  add("policy/approxkl", clipped.approxkl, share.tokens);
  add("val/ratio", clipped.ratio_mean, share.tokens);
  const double per_rank = 1.0 / collective_.world_size();  // the same on every rank, or a time
  stats.means.emplace_back("policy/skipped", torch::tensor(stats.skip_update ? per_rank : 0.0));
  // Forward and backward of all of a rollout's minibatches (the optimizer steps left out).
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  stats.means.emplace_back("time/update",
                           torch::tensor(seconds * double(updates_per_rollout()) * per_rank));
  return stats;
}

// This rank's rows of a minibatch of the global rollout and its shares of the minibatch's tokens
// and rows. Global row r is sample r % K of global prompt r / K, which rank (r / K) % world holds
// as its prompt (r / K) / world.
RlClient::MinibatchShare RlClient::share_of(const std::vector<int64_t>& global_rows) const {
  const int64_t k = config_.samples_per_prompt, world = collective_.world_size();
  MinibatchShare share;
  double tokens = 0, all_tokens = 0;
  for (int64_t row : global_rows) {
    const int64_t prompt = row / k;
    all_tokens += row_tokens_[row];
    if (prompt % world != collective_.rank()) continue;
    share.rows.push_back((prompt / world) * k + row % k);
    tokens += row_tokens_[row];
  }
  share.tokens = all_tokens > 0 ? tokens / all_tokens : 0.0;
  share.row_share = double(share.rows.size()) / double(global_rows.size());
  return share;
}

// PPO-ptx: the language-model loss on this rank's share of the next demonstrations, and that
// share of their response tokens (undefined loss when the rank has none of them).
std::pair<torch::Tensor, double> RlClient::ptx_loss() {
  std::vector<const TokenizedExample*> rows;
  double tokens = 0, all_tokens = 0;
  const std::vector<size_t> drawn = ptx_batches_->next();
  for (size_t i = 0; i < drawn.size(); ++i) {
    const TokenizedExample& example = ptx_examples_[drawn[i]];
    all_tokens += double(response_token_count(example));
    if (static_cast<int>(i % collective_.world_size()) != collective_.rank()) continue;
    rows.push_back(&example);
    tokens += double(response_token_count(example));
  }
  if (rows.empty()) return {torch::Tensor(), 0.0};
  const SftBatch batch = make_sft_batch(rows, policy_.tokenizer->eos_id());
  AutocastGuard autocast(device_);
  return {sft_loss(policy_.model->forward(batch.idx.to(device_)), batch.labels.to(device_)),
          tokens / all_tokens};
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

// Samples and scores the next prompts, forms the advantages and the minibatch plan. Data
// parallel: each rank samples every world_size-th prompt of the rollout (a prompt's K samples stay
// together, so RLOO's and GRPO's group advantages need nothing from the other ranks); the
// statistics, the KL controller and PPO's whitening see every rank's rows.
void RlClient::start_rollout() {
  const std::vector<size_t> drawn = prompt_batches_.next();
  std::vector<std::string> prompts;
  RolloutSettings settings;
  for (size_t i = 0; i < drawn.size(); ++i)
    if (static_cast<int>(i % collective_.world_size()) == collective_.rank()) {
      prompts.push_back(data_.train_prompts[drawn[i]]);
      settings.prompt_places.push_back(static_cast<int64_t>(i));
    }
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
  const auto kl_tokens = config_.kl_estimator == "k3" ? kl_k3(old_cpu, ref_cpu, mask_cpu)
                                                      : kl_k1(old_cpu, ref_cpu, mask_cpu);
  const double kl_coefficient = rollout_kl_coefficient_ = kl_controller_.value();
  const auto rlhf_reward = r.scores - kl_coefficient * kl_tokens.sum(1);  // (B)
  const RolloutRows all = gather_rollout_rows(
      settings.prompt_places, static_cast<int64_t>(drawn.size()),
      {r.scores, kl_k1(old_cpu, ref_cpu, mask_cpu).sum(1), (-old_cpu * mask_cpu).sum(1),
       rlhf_reward, mask_cpu.sum(1), torch::tensor(std::vector<double>(r.ended.begin(), r.ended.end()),
                                                   torch::kDouble)});
  row_tokens_ = all.column(4);
  // Every rank holds the same statistics (of all rows): each reports its 1 / world_size share.
  const double per_rank = 1.0 / collective_.world_size();
  auto mean_of = [&](int column) { return torch::tensor(all.mean(column) * per_rank); };
  rollout_stats_ = {{"objective/scores", mean_of(0)},
                    {"objective/kl", mean_of(1)},
                    {"objective/entropy", mean_of(2)},
                    {"objective/rlhf_reward", mean_of(3)},
                    {"objective/kl_coef", torch::tensor(kl_coefficient * per_rank)},
                    {"response/length", mean_of(4)},
                    {"response/eos_rate", mean_of(5)},
                    {"time/rollout", torch::tensor(r.seconds_sampling * per_rank)},
                    {"time/scoring", torch::tensor(r.seconds_scoring * per_rank)}};
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
  if (config_.kl_target) kl_controller_.update(all.mean(1), all.rows());
  plan_minibatches(all.rows());
  ++rollouts_done_;
}

// Per-row values of this rank's rows, placed among every rank's: a sum over the ranks of tables
// that are zero outside each rank's own rows gathers them (small: a few numbers per sample).
RlClient::RolloutRows RlClient::gather_rollout_rows(const std::vector<int64_t>& prompt_places,
                                                    int64_t prompts,
                                                    const std::vector<torch::Tensor>& columns) {
  const int64_t k = config_.samples_per_prompt;
  RolloutRows all;
  all.table = torch::zeros({prompts * k, static_cast<int64_t>(columns.size())}, torch::kDouble);
  const auto local = torch::stack(columns, 1).to(torch::kDouble);  // (b, C)
  for (size_t p = 0; p < prompt_places.size(); ++p)
    all.table.narrow(0, prompt_places[p] * k, k)
        .copy_(local.narrow(0, static_cast<int64_t>(p) * k, k));
  std::vector<torch::Tensor> buffer{all.table};
  collective_.all_reduce_sum(buffer);
  all.table = buffer[0];
  return all;
}

double RlClient::RolloutRows::mean(int column) const {
  return table.select(1, column).mean().item<double>();
}

std::vector<double> RlClient::RolloutRows::column(int column) const {
  const auto values = table.select(1, column).contiguous();
  return std::vector<double>(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
}

// PPO: per-token reward -coef * KL_t with the score added at each row's last completion token, the
// critic's values of the rollout, GAE, advantages whitened over the real tokens of every rank.
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
  // Over every rank's real tokens: the means, then the spreads around them (masked_whiten's and
  // explained_variance's two passes, each summed over the ranks).
  const auto errors = gae.returns - values;
  const auto firsts = masked_sums({gae.advantages, errors, gae.returns, values}, mask, nullptr);
  const double n = firsts[0];
  auto mean = [&](size_t i) { return firsts[i + 1] / std::max(1.0, n); };
  const auto seconds = masked_sums({gae.advantages, errors, gae.returns}, mask,
                                   std::vector<double>{mean(0), mean(1), mean(2)}.data());
  auto advantages = gae.advantages;
  if (config_.whiten_advantages) {
    const double variance = seconds[1] / std::max(1.0, n - 1);  // unbiased, as masked_whiten
    advantages = (gae.advantages - mean(0)) * mask / std::sqrt(variance + 1e-8);
  }
  token_advantages_ = advantages.to(device_, torch::kFloat);
  old_values_ = values.to(device_, torch::kFloat);
  returns_ = gae.returns.to(device_, torch::kFloat);
  // 1 - Var(returns - values) / Var(returns) over the real tokens (biased variances).
  const double explained = 1.0 - (seconds[2] / std::max(1.0, n)) /
                                     std::max(1e-12, seconds[3] / std::max(1.0, n));
  const double per_rank = 1.0 / collective_.world_size();
  rollout_stats_.emplace_back("val/explained_variance", torch::tensor(explained * per_rank));
  rollout_stats_.emplace_back("val/mean", torch::tensor(mean(3) * per_rank));
}

// The real-token count and, per tensor, its masked sum (of (x - centre)^2 when centres are given),
// summed over the ranks: {count, sum_0, sum_1, ...}.
std::vector<double> RlClient::masked_sums(const std::vector<torch::Tensor>& tensors,
                                          const torch::Tensor& mask, const double* centres) {
  std::vector<torch::Tensor> sums{mask.sum()};
  for (size_t i = 0; i < tensors.size(); ++i)
    sums.push_back(centres ? ((tensors[i] - centres[i]) * mask).pow(2).sum()
                           : (tensors[i] * mask).sum());
  std::vector<torch::Tensor> buffer{torch::stack(sums).to(torch::kCPU, torch::kDouble)};
  collective_.all_reduce_sum(buffer);
  const auto values = buffer[0].contiguous();
  return std::vector<double>(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
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
