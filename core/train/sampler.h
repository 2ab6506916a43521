// Batched sampling of completions from a GPT with the KV cache: prompts are left-padded into one
// batch (attention_mask marks the real tokens, positions count real tokens only), then one token
// per step for every row until each row has produced end-of-text or max_new_tokens. Greedy at
// temperature 0, else temperature, top-k and top-p (nucleus) filtering and a draw from a seeded
// torch::Generator, so the same seed and inputs give the same ids. Internal header (torch).
// Leaves out beam search and repetition penalties.
#pragma once

#include <torch/torch.h>

#include <functional>

#include <cstdint>
#include <vector>

#include "core/model/gpt.h"
#include "core/train/generation_config.h"

namespace prefstudio {

// A CPU generator seeded with `seed`: draws happen on the CPU whatever the model's device, so a
// seed means the same thing everywhere.
torch::Generator make_sampling_generator(uint64_t seed);

// Sets every logit outside the `top_k` largest (0 = off) and outside the smallest set of tokens
// whose probability reaches `top_p` (1 = off) to -inf. The likeliest token always survives.
// logits (B, V) -> (B, V).
torch::Tensor filter_logits(const torch::Tensor& logits, int64_t top_k, double top_p);

// The next token of each row: argmax at temperature 0, else a draw from
// softmax(filter(logits / temperature)). logits (B, V) -> (B) int64 on the CPU.
torch::Tensor choose_next_tokens(const torch::Tensor& logits, const GenerationConfig& config,
                                 torch::Generator& generator);
// The same with one generator per row (row_generators.size() == B): a row's draws depend on its
// own generator only, not on which rows share its batch.
torch::Tensor choose_next_tokens(const torch::Tensor& logits, const GenerationConfig& config,
                                 std::vector<torch::Generator>& row_generators);

class Sampler {
 public:
  // Shares `model` (a module handle); sets eval mode while sampling and restores it after.
  Sampler(Gpt model, int64_t eos_id);

  // One completion per prompt row (token ids after the prompt, end-of-text not included), in the
  // order of `prompts`, all decoded together as one batch; callers split big sets into batches.
  // Throws CoreError if a prompt is empty or leaves no room below n_positions; completions are
  // cut at n_positions. config.use_kv_cache = false recomputes the whole prefix each step.
  std::vector<std::vector<int64_t>> generate(const std::vector<std::vector<int64_t>>& prompts,
                                             const GenerationConfig& config,
                                             torch::Generator& generator);
  // The same with one generator per prompt row: each row's sample is the same whatever batch it
  // is drawn in (data-parallel rollouts split a rollout's rows over processes).
  std::vector<std::vector<int64_t>> generate(const std::vector<std::vector<int64_t>>& prompts,
                                             const GenerationConfig& config,
                                             std::vector<torch::Generator>& row_generators);

  // Tokens produced by the last generate() over all rows (for tokens/s).
  int64_t last_token_count() const { return last_token_count_; }
  // Per row of the last generate(): true where the model wrote end-of-text (finish reason "eos"),
  // false where max_new_tokens or n_positions cut it ("length").
  const std::vector<bool>& last_ended() const { return last_ended_; }

 private:
  Gpt model_;
  int64_t eos_id_;
  int64_t last_token_count_ = 0;
  std::vector<bool> last_ended_;

  using TokenChooser = std::function<torch::Tensor(const torch::Tensor& logits)>;
  std::vector<std::vector<int64_t>> generate_with(const std::vector<std::vector<int64_t>>& prompts,
                                                  const GenerationConfig& config,
                                                  const TokenChooser& choose);
};

}  // namespace prefstudio
