// score_completion: one forward pass over prompt + completion, log-probs gathered with
// sequence_logprobs (the trainers' function), so the CLI and training agree by construction.
#include "core/model/completion_scorer.h"

#include <torch/torch.h>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/gpt.h"

namespace prefstudio {

CompletionScore score_completion(const std::string& model_dir, const std::string& prompt,
                                 const std::string& completion, const std::string& device,
                                 bool ended) {
  const torch::Device target(check_device(device, "device"));
  LoadedModel loaded = load_checkpoint(model_dir, target);
  loaded.model->eval();
  std::vector<int64_t> ids = loaded.tokenizer->encode(prompt);
  if (ids.empty()) ids.push_back(loaded.tokenizer->eos_id());
  auto completion_ids = loaded.tokenizer->encode(completion);
  if (completion_ids.empty() && !ended) throw CoreError("logprobs: the completion is empty");
  if (ended) completion_ids.push_back(loaded.tokenizer->eos_id());
  const int64_t prompt_tokens = static_cast<int64_t>(ids.size());
  ids.insert(ids.end(), completion_ids.begin(), completion_ids.end());
  const int64_t t = static_cast<int64_t>(ids.size());
  if (t > loaded.config.n_positions)
    throw CoreError("logprobs: prompt + completion are " + std::to_string(t) +
                    " tokens, more than the model's n_positions " +
                    std::to_string(loaded.config.n_positions));

  torch::NoGradGuard no_grad;
  auto idx = torch::tensor(ids, torch::kLong).unsqueeze(0).to(target);  // (1, T)
  auto targets_mask = torch::zeros({1, t}, torch::kLong);               // (1, T)
  targets_mask.narrow(1, prompt_tokens, t - prompt_tokens).fill_(1);
  auto logits = loaded.model->forward(idx);                                          // (1, T, V)
  torch::Tensor per_token;                                                           // (1, T-1)
  auto total = sequence_logprobs(logits, idx, targets_mask.to(target), &per_token);  // (1)
  per_token = per_token.to(torch::kCPU);

  CompletionScore score;
  score.logprob = total.item<double>();
  score.prompt_tokens = prompt_tokens;
  score.content_hash = loaded.manifest.content_hash;
  score.eos_counted = ended;
  for (int64_t i = prompt_tokens; i < t; ++i) {
    const int64_t id = ids[static_cast<size_t>(i)];
    score.tokens.push_back(
        {id, loaded.tokenizer->decode({id}, true), per_token[0][i - 1].item<double>()});
  }
  return score;
}

}  // namespace prefstudio
