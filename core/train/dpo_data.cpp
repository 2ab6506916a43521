// DPO's prepared data and its reference log-probs (see dpo_data.h).
#include "core/train/dpo_data.h"

#include "core/common/core_error.h"
#include "core/dist/collective.h"
#include "core/model/checkpoint.h"
#include "core/model/content_hash.h"
#include "core/train/completion_logprobs.h"

#include <cmath>
#include <filesystem>

namespace prefstudio {

namespace {

// Rows scored together by the reference.
constexpr size_t kReferenceBatchRows = 32;

// The untied pairs of the prompt's rankings, over its kept rows.
void add_pairs(const PromptRankings& grouped, const std::vector<int>& row_of, DpoPrompt& prompt,
               int64_t& dropped) {
  for (size_t r = 0; r < grouped.rankings.size(); ++r) {
    const RankingExample& ranking = *grouped.rankings[r];
    std::vector<DpoPair> pairs;
    for (auto [w, l] : untied_pairs(ranking)) {
      const int chosen = row_of[grouped.slots[r][w]], rejected = row_of[grouped.slots[r][l]];
      if (chosen >= 0 && rejected >= 0) pairs.push_back({chosen, rejected, 1.0});
    }
    if (pairs.empty()) {
      ++dropped;
      continue;
    }
    for (auto& pair : pairs) pair.weight = 1.0 / double(pairs.size());
    prompt.pairs.insert(prompt.pairs.end(), pairs.begin(), pairs.end());
    ++prompt.rankings;
  }
}

std::vector<DpoPrompt> prepare_side(const std::vector<RankingExample>& rankings,
                                    const Tokenizer& tokenizer, int64_t max_length,
                                    int64_t& skipped, int64_t& dropped) {
  std::vector<DpoPrompt> out;
  for (const PromptRankings& grouped : group_rankings_by_prompt(rankings)) {
    DpoPrompt prompt;
    prompt.sequences =
        build_prompt_sequences(tokenizer, grouped.prompt, grouped.completions, max_length);
    skipped += prompt.sequences.skipped();
    std::vector<int> row_of;
    for (size_t c = 0; c < prompt.sequences.kept.size(); ++c) {
      row_of.push_back(prompt.sequences.kept[c] ? static_cast<int>(prompt.kept.size()) : -1);
      if (prompt.sequences.kept[c]) prompt.kept.push_back(static_cast<int>(c));
    }
    add_pairs(grouped, row_of, prompt, dropped);
    if (!prompt.pairs.empty()) out.push_back(std::move(prompt));
  }
  return out;
}

}  // namespace

void DpoPrompt::append_rows(std::vector<SequenceRow>& rows) const {
  for (int c : kept) rows.push_back({&sequences.prompt_ids, &sequences.completion_ids[c]});
}

DpoPreparedData prepare_dpo_data(const std::vector<RankingExample>& train,
                                 const std::vector<RankingExample>& validation,
                                 const Tokenizer& tokenizer, int64_t max_length) {
  DpoPreparedData data;
  data.train = prepare_side(train, tokenizer, max_length, data.skipped, data.dropped);
  for (const auto& prompt : data.train) {
    data.rankings += prompt.rankings;
    data.pairs += static_cast<int64_t>(prompt.pairs.size());
  }
  if (data.train.empty())
    throw ConfigError("dpo: no training pair (" + std::to_string(train.size()) +
                      " rankings given, " + std::to_string(data.dropped) +
                      " without an untied pair after the length rule); rank some completions first");
  int64_t ignored_skipped = 0, ignored_dropped = 0;
  data.validation =
      prepare_side(validation, tokenizer, max_length, ignored_skipped, ignored_dropped);
  return data;
}

namespace {

// The reference's summed log-prob and token count of the missing rows `rows` (indices into
// `missing`), written into `values` (one row per missing row). Only now is the reference loaded;
// it is freed on return.
void compute_reference_rows(const std::vector<size_t>& rows, const std::vector<size_t>& missing,
                            const std::vector<std::pair<DpoPrompt*, int>>& slots,
                            const std::string& reference_dir, const Tokenizer& tokenizer,
                            int64_t vocab_size, const torch::Device& device,
                            torch::Tensor& values) {
  LoadedModel reference = load_checkpoint(reference_dir, device);
  if (reference.tokenizer->kind() != tokenizer.kind() || reference.config.vocab_size != vocab_size)
    throw FormatError(reference_dir +
                      ": the reference's tokenizer or vocabulary differs from the policy's; its "
                      "log-probs of the policy's tokens would mean nothing");
  reference.model->eval();
  torch::NoGradGuard no_grad;
  for (size_t start = 0; start < rows.size(); start += kReferenceBatchRows) {
    const size_t end = std::min(rows.size(), start + kReferenceBatchRows);
    std::vector<SequenceRow> batch_rows;
    for (size_t i = start; i < end; ++i) {
      const auto& [prompt, row] = slots[missing[rows[i]]];
      batch_rows.push_back({&prompt->sequences.prompt_ids,
                            &prompt->sequences.completion_ids[prompt->kept[row]]});
    }
    auto batch = make_sequence_batch(batch_rows, tokenizer.eos_id());
    auto sums = completion_logprobs(reference.model, batch).to(torch::kCPU, torch::kDouble);
    auto counts = completion_token_counts(batch).to(torch::kCPU, torch::kDouble);
    for (size_t i = start; i < end; ++i) {
      const auto b = static_cast<int64_t>(i - start);
      values[static_cast<int64_t>(rows[i])][0] = sums[b];
      values[static_cast<int64_t>(rows[i])][1] = counts[b];
    }
  }
}

}  // namespace

ReferenceFill fill_reference_logprobs(std::vector<DpoPrompt*> prompts,
                                      const std::string& reference_dir, const Tokenizer& tokenizer,
                                      int64_t vocab_size, const torch::Device& device,
                                      ReferenceLogprobCache* cache, Collective& collective) {
  // Keys: the reference weights' hash, the precision, the ids of every kept row.
  const std::string weights_hash = checkpoint_content_hash(reference_dir);
  const std::string identity = weights_hash + (device.is_cuda() ? "|cuda-bf16" : "|float32");
  std::vector<std::string> keys;
  std::vector<std::pair<DpoPrompt*, int>> slots;  // (prompt, row) per key
  for (DpoPrompt* prompt : prompts) {
    prompt->reference.assign(prompt->kept.size(), {});
    for (size_t row = 0; row < prompt->kept.size(); ++row) {
      keys.push_back(reference_cache_key(identity, prompt->sequences.prompt_ids,
                                         prompt->sequences.completion_ids[prompt->kept[row]]));
      slots.emplace_back(prompt, static_cast<int>(row));
    }
  }
  // Rank 0 alone reads and writes the cache (on several hosts only its project copy is kept
  // current); it tells the others what it found: (found, logprob, tokens) per key.
  const int64_t n = static_cast<int64_t>(keys.size());
  auto known = torch::zeros({n, 3}, torch::kDouble);
  if (collective.rank() != 0) cache = nullptr;
  if (cache) {
    const auto found = cache->lookup(keys);
    for (int64_t i = 0; i < n; ++i)
      if (found[i]) {
        known[i][0] = 1.0;
        known[i][1] = found[i]->logprob;
        known[i][2] = static_cast<double>(found[i]->tokens);
      }
  }
  if (collective.world_size() > 1) {
    std::vector<torch::Tensor> shared{known};
    collective.broadcast(shared, 0);
    known = shared[0];
  }
  ReferenceFill fill;
  std::vector<size_t> missing;
  auto known_rows = known.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i) {
    if (known_rows[i][0] > 0.5) {
      slots[i].first->reference[slots[i].second] = {
          known_rows[i][1], static_cast<int64_t>(std::llround(known_rows[i][2]))};
      ++fill.cached;
    } else {
      missing.push_back(static_cast<size_t>(i));
    }
  }
  if (missing.empty()) return fill;

  // This rank's share of the missing rows (all of them in one process), then everyone's.
  std::vector<size_t> mine;
  for (size_t i = 0; i < missing.size(); ++i)
    if (static_cast<int>(i % collective.world_size()) == collective.rank()) mine.push_back(i);
  // (logprob, tokens) per missing row; zero where another rank computes it, so a sum gathers.
  auto values = torch::zeros({static_cast<int64_t>(missing.size()), 2}, torch::kDouble);
  if (!mine.empty())
    compute_reference_rows(mine, missing, slots, reference_dir, tokenizer, vocab_size, device,
                           values);
  if (collective.world_size() > 1) {
    std::vector<torch::Tensor> gathered{values};
    collective.all_reduce_sum(gathered);
    values = gathered[0];
  }
  std::vector<std::pair<std::string, ReferenceLogprob>> computed;
  auto accessor = values.accessor<double, 2>();
  for (size_t i = 0; i < missing.size(); ++i) {
    const ReferenceLogprob value{accessor[i][0], static_cast<int64_t>(std::llround(accessor[i][1]))};
    const auto& [prompt, row] = slots[missing[i]];
    prompt->reference[row] = value;
    computed.emplace_back(keys[missing[i]], value);
  }
  if (cache) cache->store(computed);
  fill.computed = static_cast<int64_t>(computed.size());
  return fill;
}

DpoPairBatch make_dpo_pair_batch(const std::vector<const DpoPrompt*>& prompts,
                                 const torch::Tensor& policy_logprobs,
                                 const torch::Tensor& token_counts) {
  // Index lists over the batch's rows, the reference values and weights per pair.
  std::vector<int64_t> chosen, rejected;
  std::vector<double> reference_chosen, reference_rejected, weights;
  int64_t rankings = 0, offset = 0;
  for (const DpoPrompt* prompt : prompts) rankings += prompt->rankings;
  for (const DpoPrompt* prompt : prompts) {
    for (const DpoPair& pair : prompt->pairs) {
      chosen.push_back(offset + pair.chosen);
      rejected.push_back(offset + pair.rejected);
      reference_chosen.push_back(prompt->reference[pair.chosen].logprob);
      reference_rejected.push_back(prompt->reference[pair.rejected].logprob);
      weights.push_back(pair.weight / double(rankings));
    }
    offset += static_cast<int64_t>(prompt->kept.size());
  }
  const auto device = policy_logprobs.device();
  const auto dtype = policy_logprobs.scalar_type();
  auto to_tensor = [&](std::vector<double>& values) {
    return torch::tensor(values, torch::kDouble).to(device, dtype);
  };
  auto chosen_index = torch::tensor(chosen, torch::kLong).to(device);      // (P)
  auto rejected_index = torch::tensor(rejected, torch::kLong).to(device);  // (P)
  auto counts = token_counts.to(device, dtype);                           // (B)
  DpoPairBatch batch;
  batch.policy_chosen = policy_logprobs.index_select(0, chosen_index);
  batch.policy_rejected = policy_logprobs.index_select(0, rejected_index);
  batch.reference_chosen = to_tensor(reference_chosen);
  batch.reference_rejected = to_tensor(reference_rejected);
  batch.chosen_tokens = counts.index_select(0, chosen_index);
  batch.rejected_tokens = counts.index_select(0, rejected_index);
  batch.weights = to_tensor(weights);
  return batch;
}

}  // namespace prefstudio
