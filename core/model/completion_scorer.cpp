// score_completions: right-padded batches through the training forward (attention mask, positions
// over real tokens), log-probs gathered with sequence_logprobs (the trainers' function), so the CLI
// and training agree by construction; score_completion is the batch of one.
#include "core/model/completion_scorer.h"

#include <torch/torch.h>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/gpt.h"

namespace prefstudio {

namespace {

// One request's ids, or the reason it cannot be scored.
struct Encoded {
  std::vector<int64_t> ids;  // prompt then completion (+ EOS)
  int64_t prompt_tokens = 0;
  std::string error;
};

Encoded encode(const LoadedModel& loaded, const CompletionRequest& request) {
  Encoded out;
  out.ids = loaded.tokenizer->encode_prompt(request.prompt);
  if (out.ids.empty()) out.ids.push_back(loaded.tokenizer->eos_id());
  out.prompt_tokens = static_cast<int64_t>(out.ids.size());
  auto completion_ids = loaded.tokenizer->encode(request.completion);
  if (request.ended) completion_ids.push_back(loaded.tokenizer->eos_id());
  if (completion_ids.empty()) out.error = "the completion is empty";
  out.ids.insert(out.ids.end(), completion_ids.begin(), completion_ids.end());
  const int64_t t = static_cast<int64_t>(out.ids.size());
  if (out.error.empty() && t > loaded.config.n_positions)
    out.error = "prompt + completion are " + std::to_string(t) +
                " tokens, more than the model's n_positions " +
                std::to_string(loaded.config.n_positions);
  return out;
}

// Scores the encoded rows `rows` (all valid) in one forward.
void score_batch(LoadedModel& loaded, const torch::Device& target,
                 const std::vector<const Encoded*>& rows, std::vector<CompletionScore*>& out) {
  // B rows right-padded to the longest T, with the attention and completion masks.
  int64_t longest = 0;
  for (const Encoded* row : rows) longest = std::max<int64_t>(longest, row->ids.size());
  const int64_t b = static_cast<int64_t>(rows.size());
  auto idx = torch::full({b, longest}, loaded.tokenizer->eos_id(), torch::kLong);  // (B, T)
  auto mask = torch::zeros({b, longest}, torch::kLong);                             // (B, T)
  auto targets = torch::zeros({b, longest}, torch::kLong);                          // (B, T)
  for (int64_t r = 0; r < b; ++r) {
    const auto& ids = rows[r]->ids;
    const int64_t t = static_cast<int64_t>(ids.size());
    idx[r].narrow(0, 0, t).copy_(torch::tensor(ids, torch::kLong));
    mask[r].narrow(0, 0, t).fill_(1);
    targets[r].narrow(0, rows[r]->prompt_tokens, t - rows[r]->prompt_tokens).fill_(1);
  }
  idx = idx.to(target);
  auto hidden = loaded.model->forward_hidden(GptInput{idx, mask.to(target), {}});
  auto logits = loaded.model->lm_logits(hidden);  // (B, T, V)
  torch::Tensor per_token;                        // (B, T-1)
  auto totals = sequence_logprobs(logits, idx, targets.to(target), &per_token).to(torch::kCPU);
  per_token = per_token.to(torch::kCPU);
  for (int64_t r = 0; r < b; ++r) {
    CompletionScore& score = *out[r];
    score.logprob = totals[r].item<double>();
    score.prompt_tokens = rows[r]->prompt_tokens;
    score.content_hash = loaded.manifest.content_hash;
    const auto& ids = rows[r]->ids;
    for (int64_t i = rows[r]->prompt_tokens; i < static_cast<int64_t>(ids.size()); ++i)
      score.tokens.push_back({ids[i], loaded.tokenizer->decode({ids[i]}, true),
                              per_token[r][i - 1].item<double>()});
  }
}

}  // namespace

std::vector<CompletionResult> score_completions(const std::string& model_dir,
                                                const std::vector<CompletionRequest>& requests,
                                                const std::string& device, int64_t batch_rows) {
  const torch::Device target(check_device(device, "device"));
  LoadedModel loaded = load_checkpoint(model_dir, target);
  loaded.model->eval();
  torch::NoGradGuard no_grad;
  std::vector<CompletionResult> results(requests.size());
  std::vector<Encoded> encoded;
  encoded.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    encoded.push_back(encode(loaded, requests[i]));
    if (!encoded.back().error.empty()) results[i].error = encoded.back().error;
  }
  std::vector<const Encoded*> rows;
  std::vector<CompletionScore*> out;
  auto flush = [&] {
    if (!rows.empty()) score_batch(loaded, target, rows, out);
    rows.clear();
    out.clear();
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!results[i].error.empty()) continue;
    results[i].score.emplace();
    results[i].score->eos_counted = requests[i].ended;
    rows.push_back(&encoded[i]);
    out.push_back(&*results[i].score);
    if (static_cast<int64_t>(rows.size()) == batch_rows) flush();
  }
  flush();
  return results;
}

CompletionScore score_completion(const std::string& model_dir, const std::string& prompt,
                                 const std::string& completion, const std::string& device,
                                 bool ended) {
  auto results = score_completions(model_dir, {{prompt, completion, ended}}, device, 1);
  if (!results[0].score) throw CoreError("logprobs: " + results[0].error);
  return std::move(*results[0].score);
}

}  // namespace prefstudio
