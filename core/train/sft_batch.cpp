// Tokenization, padding and response-only labels for SFT (see sft_batch.h).
#include "core/train/sft_batch.h"

#include <algorithm>

#include "core/common/core_error.h"

namespace prefstudio {

TokenizedExample tokenize_example(const SftExample& example, const Tokenizer& tokenizer,
                                  int64_t max_length) {
  TokenizedExample out;
  out.ids = tokenizer.encode_prompt(example.prompt);
  out.prompt_length = static_cast<int64_t>(out.ids.size());
  auto response = tokenizer.encode(example.response);
  out.ids.insert(out.ids.end(), response.begin(), response.end());
  out.ids.push_back(tokenizer.eos_id());
  if (static_cast<int64_t>(out.ids.size()) > max_length) out.ids.resize(max_length);
  return out;
}

int64_t response_token_count(const TokenizedExample& example) {
  const int64_t n = static_cast<int64_t>(example.ids.size());
  return std::max<int64_t>(0, n - 1 - std::max<int64_t>(0, example.prompt_length - 1));
}

SftBatch make_sft_batch(const std::vector<const TokenizedExample*>& rows, int64_t pad_id) {
  // B rows, T longest row.
  if (rows.empty()) throw CoreError("sft: empty batch");
  int64_t longest = 0;
  for (const auto* row : rows) longest = std::max<int64_t>(longest, row->ids.size());
  const int64_t b = static_cast<int64_t>(rows.size());
  SftBatch batch;
  batch.idx = torch::full({b, longest}, pad_id, torch::kLong);           // (B, T)
  batch.labels = torch::full({b, longest}, kIgnoreLabel, torch::kLong);  // (B, T)
  auto idx = batch.idx.accessor<int64_t, 2>();
  auto labels = batch.labels.accessor<int64_t, 2>();
  for (int64_t r = 0; r < b; ++r) {
    const auto& ids = rows[r]->ids;
    const int64_t n = static_cast<int64_t>(ids.size());
    for (int64_t t = 0; t < n; ++t) idx[r][t] = ids[t];
    // Position t predicts token t + 1; train it only when t + 1 is a response token.
    for (int64_t t = std::max<int64_t>(0, rows[r]->prompt_length - 1); t + 1 < n; ++t) {
      labels[r][t] = ids[t + 1];
      ++batch.response_tokens;
    }
    batch.tokens += n;
  }
  return batch;
}

torch::Tensor sft_loss(const torch::Tensor& logits, const torch::Tensor& labels) {
  const int64_t vocab = logits.size(-1);
  return torch::nn::functional::cross_entropy(
      logits.reshape({-1, vocab}).to(torch::kFloat), labels.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreLabel));  // scalar
}

}  // namespace prefstudio
