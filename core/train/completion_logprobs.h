// Summed log-probabilities of each row's completion tokens under a model, with the training forward
// (right padding, attention mask, sequence_batch.h's rule): what DPO optimises, what its reference
// cache stores and what the policy evaluation's KL is made of, so all three agree by construction.
// Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/gpt.h"
#include "core/train/sequence_batch.h"

namespace prefstudio {

// (B) on the model's device, differentiable when grad mode is on. Runs under autocast on CUDA
// (the trainers' precision); the sums are float32.
torch::Tensor completion_logprobs(Gpt& model, const SequenceBatch& batch);

// Per-token log-probs of each row's completion tokens with the logits divided by `temperature`
// (the distribution the sampler drew from): (B, T-1), position t holding the token at t + 1, 0
// off the completion. On the model's device, differentiable when grad mode is on. With `entropy`,
// also the entropy of each of those positions' whole next-token distribution (B, T-1), 0 off the
// completion (PPO's entropy bonus; it costs a softmax over the vocabulary).
torch::Tensor completion_token_logprobs(Gpt& model, const SequenceBatch& batch, double temperature,
                                        torch::Tensor* entropy = nullptr);

// (B, T-1) float32 on the CPU: 1 where completion_token_logprobs holds a completion token.
torch::Tensor completion_token_mask(const SequenceBatch& batch);

// (B) token counts of each row's completion (EOS included where it ended), float32 on the CPU.
torch::Tensor completion_token_counts(const SequenceBatch& batch);

}  // namespace prefstudio
