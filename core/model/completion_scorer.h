// Log-probability of a completion given a prompt under a checkpoint: what `prefstudio-cli
// logprobs` prints and what the trainers optimise. Torch-free public header of core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace prefstudio {

struct TokenLogprob {
  int64_t id = 0;
  std::string text;      // the token decoded alone; may be a partial UTF-8 sequence for BPE
  double logprob = 0.0;  // natural log of p(token | everything before it)
};

struct CompletionScore {
  double logprob = 0.0;              // sum over `tokens`
  std::vector<TokenLogprob> tokens;  // the completion's tokens in order
  int64_t prompt_tokens = 0;         // including the end-of-text id put before an empty prompt
  std::string content_hash;          // the model's, from its manifest
  bool eos_counted = false;          // the last token is end-of-text (the completion ended)
};

// Loads the checkpoint at `model_dir` on `device` ("cpu", "cuda", ...), encodes prompt and
// completion separately (so the boundary is where the user put it) and scores every completion
// token in float32. An empty prompt is replaced by the end-of-text id, GPT-2's document start.
// With `ended` the end-of-text after the completion is scored too, as the trainers do for a
// completion that ended (sequence_batch.h); without it, as for one cut at the length limit.
// Throws FormatError for an unreadable checkpoint, ConfigError for a bad device, CoreError when
// the completion is empty or prompt + completion exceed the model's n_positions.
CompletionScore score_completion(const std::string& model_dir, const std::string& prompt,
                                 const std::string& completion, const std::string& device = "cpu",
                                 bool ended = false);

struct CompletionRequest {
  std::string prompt, completion;
  bool ended = false;  // score the end-of-text after the completion too
};

// A request's score, or why it could not be scored (empty completion, longer than n_positions).
struct CompletionResult {
  std::optional<CompletionScore> score;
  std::string error;
};

// Many completions under one loaded model, `batch_rows` rows per forward (right-padded with an
// attention mask, so each scores as it would alone); one result per request, in order. Throws
// FormatError for an unreadable checkpoint, ConfigError for a bad device.
std::vector<CompletionResult> score_completions(const std::string& model_dir,
                                                const std::vector<CompletionRequest>& requests,
                                                const std::string& device = "cpu",
                                                int64_t batch_rows = 16);

}  // namespace prefstudio
