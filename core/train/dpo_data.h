// DPO's data, prepared once per run: each prompt's completions (the union over its rankings)
// tokenized by the one sequence rule, every ranking's untied pairs over them with the ranking's
// weight split evenly among its pairs, and the reference log-prob of every kept completion, read
// from the cache or computed by the reference model (loaded only for that, then freed).
// Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "core/train/dpo_loss.h"
#include "core/train/ranking_example.h"
#include "core/train/reference_logprob_cache.h"
#include "core/train/sequence_batch.h"

namespace prefstudio {

class Collective;

// One untied pair of one ranking, as rows among its prompt's kept completions.
struct DpoPair {
  int chosen = 0, rejected = 0;
  double weight = 1.0;  // 1 / (the ranking's untied pairs): each ranking weighs as one
};

struct DpoPrompt {
  PromptSequences sequences;
  std::vector<int> kept;                   // completion indices of the kept rows, in row order
  std::vector<ReferenceLogprob> reference;  // per kept row (filled by fill_reference_logprobs)
  std::vector<DpoPair> pairs;
  int64_t rankings = 0;  // rankings of this prompt that have an untied pair

  // The rows of this prompt for make_sequence_batch.
  void append_rows(std::vector<SequenceRow>& rows) const;
};

struct DpoPreparedData {
  std::vector<DpoPrompt> train, validation;
  int64_t rankings = 0, pairs = 0, skipped = 0, dropped = 0;  // training side
};

// Throws ConfigError when no training ranking keeps an untied pair.
DpoPreparedData prepare_dpo_data(const std::vector<RankingExample>& train,
                                 const std::vector<RankingExample>& validation,
                                 const Tokenizer& tokenizer, int64_t max_length);

struct ReferenceFill {
  int64_t cached = 0, computed = 0;
};

// Fills every prompt's `reference`: keys (reference_cache_key) looked up in `cache` (may be null),
// the rest computed with the checkpoint at `reference_dir` (its tokenizer must match `tokenizer`:
// FormatError otherwise) and stored in the cache. The reference is loaded only when something is
// missing. Data parallel: every rank calls it with the same prompts; each computes every
// world_size-th missing row, the ranks exchange them, and rank 0 alone stores them.
ReferenceFill fill_reference_logprobs(std::vector<DpoPrompt*> prompts,
                                      const std::string& reference_dir, const Tokenizer& tokenizer,
                                      int64_t vocab_size, const torch::Device& device,
                                      ReferenceLogprobCache* cache, Collective& collective);

// The pairs of `prompts` with the policy's summed log-probs `policy_logprobs` (rows in the order
// append_rows gives them): the loss's input, each ranking weighing 1 / (rankings in `prompts`).
DpoPairBatch make_dpo_pair_batch(const std::vector<const DpoPrompt*>& prompts,
                                 const torch::Tensor& policy_logprobs,
                                 const torch::Tensor& token_counts);

}  // namespace prefstudio
