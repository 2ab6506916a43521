// Prompt + completion sequences as every preference and policy trainer feeds them to the model.
// The rule (one for all trainers, so a completion scores the same everywhere):
//   - a completion that ended (finish reason "eos") is followed by end-of-text; one cut at the
//     length limit is not (it did not end, and the model should not learn that it did);
//   - an empty prompt is the end-of-text id (GPT-2's document start), as `logprobs` does;
//   - when prompt + completion exceed max_length, the prompt is cut from the left once per prompt,
//     to fit its longest kept completion, so all K completions see the same context;
//   - a completion that alone leaves no room for one prompt token is skipped, and counted.
// Batches are right-padded with an attention mask; the model reads each row's last real token, so a
// completion scores the same in any batch. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/text/tokenizer.h"

namespace prefstudio {

struct PromptSequences {
  std::vector<int64_t> prompt_ids;                 // after the left cut
  std::vector<std::vector<int64_t>> completion_ids;  // per completion, EOS appended if it ended;
                                                     // empty for a skipped one
  std::vector<bool> kept;                          // false: alone longer than max_length allows
  int64_t prompt_tokens_cut = 0;                   // tokens cut from the prompt's left
  int64_t skipped() const;
};

// `completions`: (text, ended). Throws ConfigError when max_length < 2.
PromptSequences build_prompt_sequences(const Tokenizer& tokenizer, const std::string& prompt,
                                       const std::vector<std::pair<std::string, bool>>& completions,
                                       int64_t max_length);

// One row: the prompt's ids then the completion's ids.
struct SequenceRow {
  const std::vector<int64_t>* prompt = nullptr;
  const std::vector<int64_t>* completion = nullptr;
};

struct SequenceBatch {
  torch::Tensor idx;              // (B, T) int64, right-padded with pad_id
  torch::Tensor attention_mask;   // (B, T) int64, 1 on real tokens
  torch::Tensor completion_mask;  // (B, T) int64, 1 on completion tokens (EOS included)
  int64_t tokens = 0;             // real tokens in the batch
};

// T is the longest row. Rows must be non-empty.
SequenceBatch make_sequence_batch(const std::vector<SequenceRow>& rows, int64_t pad_id);

}  // namespace prefstudio
