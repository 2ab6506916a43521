// The sequence rule and right-padded batches (see sequence_batch.h).
#include "core/train/sequence_batch.h"

#include <algorithm>

#include "core/common/core_error.h"

namespace prefstudio {

int64_t PromptSequences::skipped() const {
  return static_cast<int64_t>(std::count(kept.begin(), kept.end(), false));
}

PromptSequences build_prompt_sequences(const Tokenizer& tokenizer, const std::string& prompt,
                                       const std::vector<std::pair<std::string, bool>>& completions,
                                       int64_t max_length) {
  if (max_length < 2) throw ConfigError("max_length must be at least 2");
  PromptSequences out;
  out.prompt_ids = tokenizer.encode_prompt(prompt);
  if (out.prompt_ids.empty()) out.prompt_ids.push_back(tokenizer.eos_id());
  int64_t longest = 0;
  for (const auto& [text, ended] : completions) {
    auto ids = tokenizer.encode(text);
    if (ended) ids.push_back(tokenizer.eos_id());
    // One prompt token must stay: the first completion token is predicted from it.
    const bool fits = !ids.empty() && static_cast<int64_t>(ids.size()) <= max_length - 1;
    out.kept.push_back(fits);
    if (fits) longest = std::max<int64_t>(longest, ids.size());
    out.completion_ids.push_back(fits ? std::move(ids) : std::vector<int64_t>{});
  }
  const int64_t room = max_length - longest;
  const int64_t have = static_cast<int64_t>(out.prompt_ids.size());
  if (have > room) {
    out.prompt_tokens_cut = have - room;
    out.prompt_ids.erase(out.prompt_ids.begin(), out.prompt_ids.begin() + out.prompt_tokens_cut);
  }
  return out;
}

SequenceBatch make_sequence_batch(const std::vector<SequenceRow>& rows, int64_t pad_id) {
  // B rows, T the longest prompt + completion.
  if (rows.empty()) throw CoreError("sequence batch: no rows");
  int64_t longest = 0;
  for (const auto& row : rows)
    longest = std::max<int64_t>(longest, row.prompt->size() + row.completion->size());
  const int64_t b = static_cast<int64_t>(rows.size());
  SequenceBatch batch;
  batch.idx = torch::full({b, longest}, pad_id, torch::kLong);       // (B, T)
  batch.attention_mask = torch::zeros({b, longest}, torch::kLong);   // (B, T)
  batch.completion_mask = torch::zeros({b, longest}, torch::kLong);  // (B, T)
  auto idx = batch.idx.accessor<int64_t, 2>();
  auto mask = batch.attention_mask.accessor<int64_t, 2>();
  auto completion = batch.completion_mask.accessor<int64_t, 2>();
  for (int64_t r = 0; r < b; ++r) {
    const auto& prompt = *rows[r].prompt;
    const auto& text = *rows[r].completion;
    const int64_t p = static_cast<int64_t>(prompt.size());
    for (int64_t t = 0; t < p; ++t) idx[r][t] = prompt[t], mask[r][t] = 1;
    for (int64_t t = 0; t < static_cast<int64_t>(text.size()); ++t)
      idx[r][p + t] = text[t], mask[r][p + t] = 1, completion[r][p + t] = 1;
    batch.tokens += p + static_cast<int64_t>(text.size());
  }
  return batch;
}

}  // namespace prefstudio
