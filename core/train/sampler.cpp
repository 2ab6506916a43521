// Batched K-completion sampling with the KV cache (see sampler.h).
#include "core/train/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <limits>

#include "core/common/core_error.h"

namespace prefstudio {

torch::Generator make_sampling_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor filter_logits(const torch::Tensor& logits, int64_t top_k, double top_p) {
  // B rows, V vocabulary.
  const double kMinusInf = -std::numeric_limits<double>::infinity();
  torch::Tensor out = logits;
  const int64_t vocab = logits.size(-1);
  if (top_k > 0 && top_k < vocab) {
    auto kth = std::get<0>(out.topk(top_k, -1)).narrow(-1, top_k - 1, 1);  // (B, 1)
    out = out.masked_fill(out < kth, kMinusInf);                           // (B, V)
  }
  if (top_p < 1.0) {
    auto [sorted, order] = out.sort(-1, /*descending=*/true);  // (B, V) each
    auto probs = sorted.softmax(-1);                           // (B, V)
    // Drop a token when the mass of the tokens before it already reaches top_p; the first never.
    auto mass_before = probs.cumsum(-1) - probs;                                 // (B, V)
    auto drop_sorted = mass_before >= top_p;                                     // (B, V)
    auto drop = torch::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);  // (B, V)
    out = out.masked_fill(drop, kMinusInf);                                      // (B, V)
  }
  return out;
}

torch::Tensor choose_next_tokens(const torch::Tensor& logits, const GenerationConfig& config,
                                 torch::Generator& generator) {
  auto cpu_logits = logits.to(torch::kCPU, torch::kFloat);      // (B, V)
  if (config.temperature <= 0.0) return cpu_logits.argmax(-1);  // (B)
  auto filtered = filter_logits(cpu_logits / config.temperature, config.top_k, config.top_p);
  auto probs = filtered.softmax(-1);                                  // (B, V)
  return torch::multinomial(probs, 1, false, generator).squeeze(-1);  // (B)
}

torch::Tensor choose_next_tokens(const torch::Tensor& logits, const GenerationConfig& config,
                                 std::vector<torch::Generator>& row_generators) {
  auto cpu_logits = logits.to(torch::kCPU, torch::kFloat);      // (B, V)
  if (config.temperature <= 0.0) return cpu_logits.argmax(-1);  // (B)
  if (static_cast<int64_t>(row_generators.size()) != cpu_logits.size(0))
    throw CoreError("sampler: " + std::to_string(row_generators.size()) + " generators for " +
                    std::to_string(cpu_logits.size(0)) + " rows");
  auto filtered = filter_logits(cpu_logits / config.temperature, config.top_k, config.top_p);
  auto probs = filtered.softmax(-1);  // (B, V)
  auto next = torch::empty({probs.size(0)}, torch::kLong);
  for (int64_t row = 0; row < probs.size(0); ++row)
    next[row] = torch::multinomial(probs[row], 1, false, row_generators[row])[0];
  return next;  // (B)
}

Sampler::Sampler(Gpt model, int64_t eos_id) : model_(std::move(model)), eos_id_(eos_id) {}

std::vector<std::vector<int64_t>> Sampler::generate(
    const std::vector<std::vector<int64_t>>& prompts, const GenerationConfig& config,
    torch::Generator& generator) {
  return generate_with(prompts, config, [&](const torch::Tensor& logits) {
    return choose_next_tokens(logits, config, generator);
  });
}

std::vector<std::vector<int64_t>> Sampler::generate(
    const std::vector<std::vector<int64_t>>& prompts, const GenerationConfig& config,
    std::vector<torch::Generator>& row_generators) {
  if (row_generators.size() != prompts.size())
    throw CoreError("sampler: " + std::to_string(row_generators.size()) + " generators for " +
                    std::to_string(prompts.size()) + " prompts");
  return generate_with(prompts, config, [&](const torch::Tensor& logits) {
    return choose_next_tokens(logits, config, row_generators);
  });
}

std::vector<std::vector<int64_t>> Sampler::generate_with(
    const std::vector<std::vector<int64_t>>& prompts, const GenerationConfig& config,
    const TokenChooser& choose) {
  // B rows, P longest prompt, V vocabulary.
  config.validate();
  last_token_count_ = 0;
  if (prompts.empty()) return {};
  const int64_t b = static_cast<int64_t>(prompts.size());
  int64_t longest = 0;
  for (const auto& prompt : prompts) {
    if (prompt.empty()) throw CoreError("sampler: a prompt has no tokens");
    longest = std::max<int64_t>(longest, static_cast<int64_t>(prompt.size()));
  }
  const int64_t n_positions = model_->config().n_positions;
  if (longest >= n_positions)
    throw CoreError("sampler: a prompt of " + std::to_string(longest) +
                    " tokens leaves no room below n_positions = " + std::to_string(n_positions));
  const int64_t max_new = std::min(config.max_new_tokens, n_positions - longest);

  // Left padding: every row's last prompt token sits in the last column, so the next token of
  // all rows is read from one position.
  auto ids = torch::full({b, longest}, eos_id_, torch::kLong);  // (B, P)
  auto mask = torch::zeros({b, longest}, torch::kLong);         // (B, P)
  for (int64_t row = 0; row < b; ++row) {
    const auto& prompt = prompts[row];
    const int64_t n = static_cast<int64_t>(prompt.size());
    ids[row].narrow(0, longest - n, n).copy_(torch::tensor(prompt, torch::kLong));
    mask[row].narrow(0, longest - n, n).fill_(1);
  }
  const auto device = model_->parameters().front().device();
  ids = ids.to(device);
  mask = mask.to(device);

  const bool was_training = model_->is_training();
  model_->eval();
  torch::NoGradGuard no_grad;
  KvCache cache;
  auto all_ids = ids;  // (B, P + t)
  auto input = GptInput{ids, mask, {}};
  auto finished = torch::zeros({b}, torch::kBool);  // (B) on CPU
  std::vector<torch::Tensor> steps;
  for (int64_t t = 0; t < max_new; ++t) {
    auto hidden = config.use_kv_cache ? model_->forward_hidden(input, &cache)
                                      : model_->forward_hidden(GptInput{all_ids, mask, {}});
    auto logits = model_->lm_logits(hidden.select(1, hidden.size(1) - 1));  // (B, V)
    auto next = choose(logits);                                             // (B)
    next.masked_fill_(finished, eos_id_);  // finished rows keep emitting padding
    steps.push_back(next);
    finished.logical_or_(next == eos_id_);
    if (finished.all().item<bool>()) break;        // sync point: the loop's exit test
    auto next_col = next.to(device).unsqueeze(1);  // (B, 1)
    // The new token's position is the number of real tokens before it.
    auto position = mask.sum(1, /*keepdim=*/true);             // (B, 1)
    mask = torch::cat({mask, torch::ones_like(next_col)}, 1);  // (B, P + t + 1)
    all_ids = torch::cat({all_ids, next_col}, 1);              // (B, P + t + 1)
    input = GptInput{next_col, mask, position};
  }
  if (was_training) model_->train();

  auto generated = torch::stack(steps, 1);  // (B, steps) on CPU
  auto accessor = generated.accessor<int64_t, 2>();
  std::vector<std::vector<int64_t>> completions(b);
  last_ended_.assign(b, false);
  for (int64_t row = 0; row < b; ++row) {
    for (int64_t t = 0; t < generated.size(1); ++t) {
      if (accessor[row][t] == eos_id_) {
        last_ended_[row] = true;
        break;
      }
      completions[row].push_back(accessor[row][t]);
    }
    last_token_count_ += static_cast<int64_t>(completions[row].size());
  }
  return completions;
}

}  // namespace prefstudio
