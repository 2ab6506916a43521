// score_prompt_completions: tokenize per prompt, pack rows into batches, one forward per batch.
#include "core/train/reward_scoring.h"

#include "core/train/sequence_batch.h"

namespace prefstudio {

std::vector<std::vector<std::optional<double>>> score_prompt_completions(
    RewardModel& model, const std::vector<PromptCompletions>& prompts, int64_t max_length,
    int64_t batch_rows) {
  if (max_length <= 0) max_length = model.loaded.config.n_positions;
  const Tokenizer& tokenizer = *model.loaded.tokenizer;
  std::vector<PromptSequences> sequences;
  sequences.reserve(prompts.size());
  for (const auto& prompt : prompts)
    sequences.push_back(
        build_prompt_sequences(tokenizer, prompt.prompt, prompt.completions, max_length));

  std::vector<std::vector<std::optional<double>>> out(prompts.size());
  for (size_t p = 0; p < prompts.size(); ++p) out[p].resize(prompts[p].completions.size());
  // (prompt, completion) of each kept row, in order.
  std::vector<std::pair<size_t, size_t>> where;
  for (size_t p = 0; p < sequences.size(); ++p)
    for (size_t c = 0; c < sequences[p].kept.size(); ++c)
      if (sequences[p].kept[c]) where.emplace_back(p, c);

  torch::NoGradGuard no_grad;
  const bool was_training = model.loaded.model->is_training();
  model.train(false);
  const torch::Device device = model.head->parameters()[0].device();
  for (size_t start = 0; start < where.size(); start += batch_rows) {
    const size_t end = std::min(where.size(), start + static_cast<size_t>(batch_rows));
    std::vector<SequenceRow> rows;
    for (size_t i = start; i < end; ++i) {
      const auto& seq = sequences[where[i].first];
      rows.push_back({&seq.prompt_ids, &seq.completion_ids[where[i].second]});
    }
    auto batch = make_sequence_batch(rows, kScoreHeadPadTokenId);
    auto scores = model.scores(batch.idx.to(device), batch.attention_mask.to(device))
                      .to(torch::kCPU, torch::kDouble);  // (B)
    auto values = scores.accessor<double, 1>();
    for (size_t i = start; i < end; ++i) out[where[i].first][where[i].second] = values[i - start];
  }
  model.train(was_training);
  return out;
}

}  // namespace prefstudio
