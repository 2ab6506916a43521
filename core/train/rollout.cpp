// make_rollout (see rollout.h).
#include "core/train/rollout.h"

#include <algorithm>
#include <chrono>

#include "core/common/core_error.h"
#include "core/train/completion_logprobs.h"
#include "core/train/sampler.h"

namespace prefstudio {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Rows sampled (and re-scored) together.
constexpr size_t kRowsPerBatch = 64;

// The prompt's ids, cut from the left so max_new_tokens still fit the model.
std::vector<int64_t> prompt_ids_for(const Tokenizer& tokenizer, const std::string& prompt,
                                    int64_t room) {
  auto ids = tokenizer.encode_prompt(prompt);
  if (ids.empty()) ids.push_back(tokenizer.eos_id());
  if (static_cast<int64_t>(ids.size()) > room) ids.erase(ids.begin(), ids.end() - room);
  return ids;
}

// Per-token log-probs (B, T-1) of `rollout`'s rows under `model` in eval mode.
torch::Tensor rollout_logprobs(Gpt& model, const Rollout& rollout, double temperature) {
  const bool training = model->is_training();
  model->eval();
  auto logprobs = rollout.per_token([&](const SequenceBatch& batch) {
    return completion_token_logprobs(model, batch, temperature);
  });
  model->train(training);
  return logprobs;
}

}  // namespace

SequenceBatch Rollout::batch_of(const std::vector<int64_t>& rows) const {
  std::vector<SequenceRow> selected;
  for (int64_t row : rows) selected.push_back({&prompt_ids[row], &completion_ids[row]});
  return make_sequence_batch(selected, pad_id);
}

torch::Tensor Rollout::per_token(
    const std::function<torch::Tensor(const SequenceBatch&)>& of) const {
  torch::NoGradGuard no_grad;
  const int64_t rows = batch.idx.size(0), width = batch.idx.size(1) - 1;
  std::vector<torch::Tensor> chunks;
  for (int64_t start = 0; start < rows; start += kRowsPerBatch) {
    std::vector<int64_t> chunk;
    for (int64_t r = start; r < std::min<int64_t>(rows, start + kRowsPerBatch); ++r)
      chunk.push_back(r);
    auto values = of(batch_of(chunk));
    chunks.push_back(torch::constant_pad_nd(values, {0, width - values.size(1)}));
  }
  return torch::cat(chunks).detach();
}

namespace {

// One generator per row (group-major): seeded from the rollout's seed, the row's prompt's place
// in the whole rollout and its sample number, mixed (SplitMix64's finalizer) so that nearby
// seeds give unrelated streams.
std::vector<torch::Generator> row_generators(const RolloutSettings& settings, int64_t groups) {
  auto mix = [](uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  };
  if (!settings.prompt_places.empty() &&
      static_cast<int64_t>(settings.prompt_places.size()) != groups)
    throw CoreError("rollout: " + std::to_string(settings.prompt_places.size()) +
                    " prompt places for " + std::to_string(groups) + " prompts");
  std::vector<torch::Generator> generators;
  for (int64_t group = 0; group < groups; ++group) {
    const int64_t place = settings.prompt_places.empty() ? group : settings.prompt_places[group];
    for (int64_t sample = 0; sample < settings.samples_per_prompt; ++sample)
      generators.push_back(make_sampling_generator(
          mix(mix(mix(settings.seed) ^ static_cast<uint64_t>(place)) ^ static_cast<uint64_t>(sample))));
  }
  return generators;
}

}  // namespace

Rollout make_rollout(Gpt& policy, Gpt& reference, const Tokenizer& tokenizer,
                     const std::vector<std::string>& group_prompts, const RolloutSettings& settings,
                     const RolloutScorer& scorer) {
  Rollout rollout;
  rollout.pad_id = tokenizer.eos_id();
  rollout.groups = static_cast<int64_t>(group_prompts.size());
  rollout.samples_per_prompt = settings.samples_per_prompt;
  const int64_t room = policy->config().n_positions - settings.max_new_tokens;
  if (room < 1)
    throw ConfigError("max_new_tokens leaves no room for a prompt in the model's n_positions " +
                      std::to_string(policy->config().n_positions));
  for (const auto& prompt : group_prompts)
    for (int64_t s = 0; s < settings.samples_per_prompt; ++s) {
      rollout.prompts.push_back(prompt);
      rollout.prompt_ids.push_back(prompt_ids_for(tokenizer, prompt, room));
    }

  // Sampling: the policy's own distribution at the temperature.
  const auto sampling_started = Clock::now();
  GenerationConfig sampling;
  sampling.temperature = settings.temperature;
  sampling.top_p = 1.0;
  sampling.top_k = 0;
  sampling.max_new_tokens = settings.max_new_tokens;
  Sampler sampler(policy, tokenizer.eos_id());
  std::vector<torch::Generator> generators = row_generators(settings, rollout.groups);
  for (size_t start = 0; start < rollout.prompt_ids.size(); start += kRowsPerBatch) {
    const size_t end = std::min(rollout.prompt_ids.size(), start + kRowsPerBatch);
    std::vector<std::vector<int64_t>> prompts(rollout.prompt_ids.begin() + start,
                                              rollout.prompt_ids.begin() + end);
    std::vector<torch::Generator> batch_generators(generators.begin() + start,
                                                   generators.begin() + end);
    auto sampled = sampler.generate(prompts, sampling, batch_generators);
    for (size_t i = 0; i < sampled.size(); ++i) {
      const bool ended = sampler.last_ended()[i];
      rollout.completions.push_back(tokenizer.decode(sampled[i]));
      rollout.ended.push_back(ended);
      if (ended) sampled[i].push_back(tokenizer.eos_id());
      if (sampled[i].empty()) sampled[i].push_back(tokenizer.eos_id());  // cut at zero tokens
      rollout.completion_ids.push_back(std::move(sampled[i]));
    }
  }
  std::vector<SequenceRow> rows;
  for (size_t r = 0; r < rollout.prompt_ids.size(); ++r)
    rows.push_back({&rollout.prompt_ids[r], &rollout.completion_ids[r]});
  rollout.batch = make_sequence_batch(rows, tokenizer.eos_id());
  rollout.seconds_sampling = seconds_since(sampling_started);

  // Scoring: the log-probs the ratio and the KL use, and the rewards.
  const auto scoring_started = Clock::now();
  const auto device = policy->parameters().front().device();
  rollout.mask = completion_token_mask(rollout.batch).to(device);
  rollout.old_logprobs = rollout_logprobs(policy, rollout, settings.temperature);
  rollout.ref_logprobs = rollout_logprobs(reference, rollout, settings.temperature);
  std::vector<double> scores = scorer(rollout.prompts, rollout.completions, rollout.ended);
  if (settings.missing_eos_penalty)
    for (size_t r = 0; r < scores.size(); ++r)
      if (!rollout.ended[r]) scores[r] -= *settings.missing_eos_penalty;
  rollout.scores = torch::tensor(scores, torch::kDouble);
  rollout.seconds_scoring = seconds_since(scoring_started);
  return rollout;
}

}  // namespace prefstudio
