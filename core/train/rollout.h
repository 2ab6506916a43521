// One rollout of online RL: K samples of each of some prompts from the policy (KV cache, the
// configured temperature, top_p 1 and no top-k, so the ratio sees the full distribution), then the
// log-probs of the sampled tokens recomputed by the training forward in eval mode at the same
// temperature, for the policy (the "old" log-probs of the ratio) and the reference, and each
// sample scored. The sequences are the sampled ids themselves (never re-tokenized text), with
// end-of-text where the sample ended. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/model/gpt.h"
#include "core/text/tokenizer.h"
#include "core/train/sequence_batch.h"

namespace prefstudio {

// Scores of rows (prompt, completion text, ended), one per row, in order.
using RolloutScorer = std::function<std::vector<double>(
    const std::vector<std::string>& prompts, const std::vector<std::string>& completions,
    const std::vector<bool>& ended)>;

struct RolloutSettings {
  int64_t samples_per_prompt = 4;
  int64_t max_new_tokens = 64;
  double temperature = 1.0;
  std::optional<double> missing_eos_penalty;  // subtracted from a cut sample's score
  uint64_t seed = 0;                          // this rollout's sampling stream
  // Each prompt's place in the whole rollout (empty: 0, 1, ...). A row's draws come from
  // (seed, its prompt's place, its sample number) alone, so a data-parallel rank that samples a
  // share of the prompts draws exactly what one process would for them.
  std::vector<int64_t> prompt_places;
};

struct Rollout {
  int64_t groups = 0, samples_per_prompt = 0;    // rows = groups * K, group-major
  std::vector<std::string> prompts;               // per row
  std::vector<std::string> completions;           // per row, decoded
  std::vector<bool> ended;                        // per row
  std::vector<std::vector<int64_t>> prompt_ids, completion_ids;  // per row (EOS where ended)
  SequenceBatch batch;                            // all rows, right-padded with pad_id
  int64_t pad_id = 0;
  torch::Tensor mask;                             // (B, T-1) response tokens, on the device
  torch::Tensor old_logprobs, ref_logprobs;       // (B, T-1) on the device, detached
  torch::Tensor scores;                           // (B) float64 on the CPU, penalty applied
  double seconds_sampling = 0.0, seconds_scoring = 0.0;

  // The rows `rows` as a batch of their own (for a minibatch).
  SequenceBatch batch_of(const std::vector<int64_t>& rows) const;
  // `per_token` (a (b, t-1) tensor per batch, e.g. log-probs or a critic's values) over all rows,
  // a chunk of rows at a time, padded to the rollout's width: (B, T-1), detached, no grad.
  torch::Tensor per_token(const std::function<torch::Tensor(const SequenceBatch&)>& of) const;
};

Rollout make_rollout(Gpt& policy, Gpt& reference, const Tokenizer& tokenizer,
                     const std::vector<std::string>& group_prompts, const RolloutSettings& settings,
                     const RolloutScorer& scorer);

}  // namespace prefstudio
