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

torch::Tensor completion_token_logprobs(Gpt& model, const SequenceBatch& batch, double temperature) {
  const auto device = model->parameters().front().device();
  auto idx = batch.idx.to(device);  // (B, T)
  AutocastGuard autocast(device);
  auto hidden = model->forward_hidden(GptInput{idx, batch.attention_mask.to(device), {}});
  auto logits = model->lm_logits(hidden);  // (B, T, V)
  if (temperature != 1.0) logits = logits / temperature;
  torch::Tensor per_token;  // (B, T-1)
  sequence_logprobs(logits, idx, batch.completion_mask.to(device), &per_token);
  return per_token;
}

torch::Tensor completion_token_mask(const SequenceBatch& batch) {
  const int64_t t = batch.completion_mask.size(1);
  return batch.completion_mask.narrow(1, 1, t - 1).to(torch::kFloat);  // (B, T-1)
}

torch::Tensor completion_token_counts(const SequenceBatch& batch) {
  return batch.completion_mask.sum(1).to(torch::kFloat);  // (B)
}

}  // namespace prefstudio
