// evaluate_policy: sample with the KV cache, re-score policy and reference with the training
// forward, add reward and rule scores (see policy_evaluation.h).
#include "core/train/policy_evaluation.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/train/completion_logprobs.h"
#include "core/train/demo_task.h"
#include "core/train/policy_evaluation_internal.h"
#include "core/train/reward_scoring.h"
#include "core/train/sampler.h"
#include "core/train/sequence_batch.h"

namespace prefstudio {

std::optional<double> demo_rule_score(const std::string& prompt, const std::string& completion) {
  try {
    return demo_score(prompt, completion);
  } catch (const ConfigError&) {
    return std::nullopt;  // not a demo prompt: no rule score
  }
}

namespace {

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (double v : values) sum += v;
  return sum / double(values.size());
}

}  // namespace

PolicyEvaluation evaluate_policy(Gpt& policy, Gpt& reference, const Tokenizer& tokenizer,
                                 RewardModel* reward, const std::vector<std::string>& prompts,
                                 const PolicyEvalConfig& config, const RuleScore& rule) {
  torch::NoGradGuard no_grad;
  const bool policy_training = policy->is_training(), reference_training = reference->is_training();
  policy->eval();
  reference->eval();
  // Rows: each prompt samples_per_prompt times, prompt-major.
  std::vector<size_t> row_prompt;
  for (size_t p = 0; p < prompts.size(); ++p)
    for (int64_t s = 0; s < config.samples_per_prompt; ++s) row_prompt.push_back(p);
  GenerationConfig sampling;
  sampling.temperature = 1.0;  // the policy's own distribution: the KL estimate needs it
  sampling.top_p = 1.0;
  sampling.top_k = 0;
  sampling.max_new_tokens = config.max_new_tokens;
  Sampler sampler(policy, tokenizer.eos_id());
  auto generator = make_sampling_generator(config.seed);
  const int64_t max_length = policy->config().n_positions;

  PolicyEvaluation out;
  std::vector<double> kls, rewards, trues, lengths;
  int64_t ended_count = 0;
  for (size_t start = 0; start < row_prompt.size(); start += config.batch_size) {
    const size_t end = std::min(row_prompt.size(), start + static_cast<size_t>(config.batch_size));
    std::vector<std::vector<int64_t>> prompt_ids;
    for (size_t r = start; r < end; ++r) {
      auto ids = tokenizer.encode_prompt(prompts[row_prompt[r]]);
      if (ids.empty()) ids.push_back(tokenizer.eos_id());
      prompt_ids.push_back(std::move(ids));
    }
    auto completions = sampler.generate(prompt_ids, sampling, generator);
    // Re-score with the training forward under the one sequence rule.
    std::vector<PromptSequences> sequences;
    std::vector<SequenceRow> rows;
    std::vector<PromptCompletions> to_reward;
    sequences.reserve(end - start);
    for (size_t r = start; r < end; ++r) {
      const size_t i = r - start;
      const std::string text = tokenizer.decode(completions[i]);
      const bool ended = sampler.last_ended()[i];
      sequences.push_back(
          build_prompt_sequences(tokenizer, prompts[row_prompt[r]], {{text, ended}}, max_length));
      if (reward) to_reward.push_back({prompts[row_prompt[r]], {{text, ended}}});
      PolicySample sample;
      sample.prompt_index = row_prompt[r];
      sample.completion = text;
      sample.ended = ended;
      sample.true_score = rule ? rule(prompts[row_prompt[r]], text) : std::nullopt;
      out.sample_list.push_back(std::move(sample));
      lengths.push_back(double(completions[i].size()));
      ended_count += ended;
    }
    for (const auto& seq : sequences) {
      if (!seq.kept[0] || seq.completion_ids[0].empty())
        throw CoreError("policy evaluation: a sample does not fit the model's n_positions");
      rows.push_back({&seq.prompt_ids, &seq.completion_ids[0]});
    }
    auto batch = make_sequence_batch(rows, tokenizer.eos_id());
    auto kl = (completion_logprobs(policy, batch) - completion_logprobs(reference, batch))
                  .to(torch::kCPU, torch::kDouble);  // (B)
    std::vector<std::vector<std::optional<double>>> scores;
    if (reward) scores = score_prompt_completions(*reward, to_reward, max_length);
    for (size_t r = start; r < end; ++r) {
      PolicySample& sample = out.sample_list[r];
      sample.kl = kl[static_cast<int64_t>(r - start)].item<double>();
      kls.push_back(sample.kl);
      if (reward && scores[r - start][0]) {
        sample.reward = *scores[r - start][0] - reward->reward_offset;
        rewards.push_back(*sample.reward);
      }
      if (sample.true_score) trues.push_back(*sample.true_score);
    }
  }
  policy->train(policy_training);
  reference->train(reference_training);

  out.samples = static_cast<int64_t>(out.sample_list.size());
  out.kl_mean = mean_of(kls);
  out.reward_mean = mean_of(rewards);
  out.true_score_mean = mean_of(trues);
  out.true_score_std = std::numeric_limits<double>::quiet_NaN();
  if (!trues.empty()) {
    double squares = 0;
    for (double v : trues) squares += (v - out.true_score_mean) * (v - out.true_score_mean);
    out.true_score_std = std::sqrt(squares / double(trues.size()));
  }
  out.eos_rate = out.samples ? double(ended_count) / double(out.samples) : 0.0;
  out.length_mean = mean_of(lengths);
  return out;
}

namespace {

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

std::vector<std::pair<std::string, double>> report_policy_evaluation(
    int64_t step, MetricsSink& sink, Gpt& policy, Gpt& reference, const Tokenizer& tokenizer,
    RewardModel* reward, const std::vector<std::string>& prompts, const PolicyEvalConfig& config,
    const RuleScore& rule) {
  const PolicyEvaluation result =
      evaluate_policy(policy, reference, tokenizer, reward, prompts, config, rule);
  std::vector<std::pair<std::string, double>> values{{"eval/kl", result.kl_mean}};
  if (std::isfinite(result.reward_mean)) values.emplace_back("eval/reward", result.reward_mean);
  if (std::isfinite(result.true_score_mean)) {
    values.emplace_back("eval/true_score", result.true_score_mean);
    values.emplace_back("eval/true_score_std", result.true_score_std);
  }
  values.emplace_back("eval/eos_rate", result.eos_rate);
  values.emplace_back("eval/length", result.length_mean);
  sink.on_evaluation(step, "policy",
                     nlohmann::json{{"prompts", prompts.size()},
                                    {"samples", result.samples},
                                    {"kl", result.kl_mean},
                                    {"reward", number_or_null(result.reward_mean)},
                                    {"true_score", number_or_null(result.true_score_mean)},
                                    {"true_score_std", number_or_null(result.true_score_std)},
                                    {"eos_rate", result.eos_rate},
                                    {"length_mean", result.length_mean}}
                         .dump());
  std::vector<SampleRecord> samples;
  for (const PolicySample& sample : result.sample_list)
    samples.push_back({prompts[sample.prompt_index], sample.completion, sample.ended, sample.kl,
                       sample.reward, sample.true_score});
  sink.on_samples(step, samples);
  return values;
}

struct PolicyEvaluator::Impl {
  LoadedModel policy, reference;
  std::optional<RewardModel> reward;
};

PolicyEvaluator::PolicyEvaluator(const std::string& policy_dir, const std::string& reference_dir,
                                 const std::string& reward_dir, const std::string& device)
    : impl_(std::make_unique<Impl>()) {
  const torch::Device target(check_device(device));
  impl_->policy = load_checkpoint(policy_dir, target);
  impl_->reference = load_checkpoint(reference_dir, target);
  if (impl_->policy.tokenizer->kind() != impl_->reference.tokenizer->kind() ||
      impl_->policy.config.vocab_size != impl_->reference.config.vocab_size)
    throw FormatError(reference_dir + ": the reference's tokenizer or vocabulary differs from " +
                      policy_dir + "'s; a KL between them means nothing");
  if (!reward_dir.empty()) impl_->reward = load_reward_model(reward_dir, target, true);
}

PolicyEvaluator::~PolicyEvaluator() = default;

PolicyEvaluation PolicyEvaluator::evaluate(const std::vector<std::string>& prompts,
                                           const PolicyEvalConfig& config, const RuleScore& rule) {
  return evaluate_policy(impl_->policy.model, impl_->reference.model, *impl_->policy.tokenizer,
                         impl_->reward ? &*impl_->reward : nullptr, prompts, config, rule);
}

}  // namespace prefstudio
