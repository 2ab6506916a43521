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

torch::Tensor completion_token_logprobs(Gpt& model, const SequenceBatch& batch, double temperature,
                                        torch::Tensor* entropy) {
  const auto device = model->parameters().front().device();
  auto idx = batch.idx.to(device);  // (B, T)
  AutocastGuard autocast(device);
  auto hidden = model->forward_hidden(GptInput{idx, batch.attention_mask.to(device), {}});
  auto logits = model->lm_logits(hidden);  // (B, T, V)
  if (temperature != 1.0) logits = logits / temperature;
  torch::Tensor per_token;  // (B, T-1)
  const auto completion_mask = batch.completion_mask.to(device);
  sequence_logprobs(logits, idx, completion_mask, &per_token);
  if (entropy) {
    // Entropy of the whole next-token distribution: -sum p log p over the vocabulary.
    const int64_t t = logits.size(1);
    const auto log_p = torch::log_softmax(logits.narrow(1, 0, t - 1).to(torch::kFloat), -1);
    *entropy = -(log_p.exp() * log_p).sum(-1) * completion_mask.narrow(1, 1, t - 1);  // (B, T-1)
  }
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
