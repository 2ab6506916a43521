// completion_logprobs (see completion_logprobs.h).
#include "core/train/completion_logprobs.h"

#include "core/train/autocast_guard.h"

namespace prefstudio {

torch::Tensor completion_logprobs(Gpt& model, const SequenceBatch& batch) {
  const auto device = model->parameters().front().device();
  auto idx = batch.idx.to(device);  // (B, T)
  AutocastGuard autocast(device);
  auto hidden = model->forward_hidden(GptInput{idx, batch.attention_mask.to(device), {}});
  auto logits = model->lm_logits(hidden);                                       // (B, T, V)
  return sequence_logprobs(logits, idx, batch.completion_mask.to(device));      // (B) float32
}

torch::Tensor completion_token_counts(const SequenceBatch& batch) {
  return batch.completion_mask.sum(1).to(torch::kFloat);  // (B)
}

}  // namespace prefstudio
