// Turning demonstrations into training tensors for SFT: tokenize prompt and response, right-pad a
// batch, and label only the response tokens (and the end-of-text after them), so the loss never
// teaches the model to write prompts. Internal header (torch); leaves out packing of several
// examples into one row.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "core/text/tokenizer.h"
#include "core/train/sft_example.h"

namespace prefstudio {

// Label of a position that is not trained on (torch's cross_entropy ignore_index default).
constexpr int64_t kIgnoreLabel = -100;

struct TokenizedExample {
  std::vector<int64_t> ids;   // prompt then response then end-of-text, cut at max_length
  int64_t prompt_length = 0;  // ids[0, prompt_length) are the prompt
};

// Returns an example with no response token left (prompt_length >= ids.size()) when the prompt
// alone fills max_length; callers skip those.
TokenizedExample tokenize_example(const SftExample& example, const Tokenizer& tokenizer,
                                  int64_t max_length);

// The positions of `example` that make_sft_batch labels: its response tokens and end-of-text.
int64_t response_token_count(const TokenizedExample& example);

struct SftBatch {
  torch::Tensor idx;            // (B, T) int64, right-padded with pad_id
  torch::Tensor labels;         // (B, T) int64: labels[b][t] = idx[b][t+1] on response tokens,
                                // kIgnoreLabel elsewhere; logits at t are scored against it
  int64_t response_tokens = 0;  // labelled positions in the batch
  int64_t tokens = 0;           // real (non-padding) tokens in the batch
};

// T is the longest row. Rows must be non-empty.
SftBatch make_sft_batch(const std::vector<const TokenizedExample*>& rows, int64_t pad_id);

// Mean cross-entropy over the labelled positions: logits (B, T, V), labels (B, T) -> scalar.
torch::Tensor sft_loss(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace prefstudio
