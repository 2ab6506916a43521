// fill_completions: prompts needing K -> batched sampling -> deduplicated inserts (see header).
#include "app/cli/completion_filler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>

#include "db/completion_store.h"
#include "db/utf8.h"

namespace prefstudio::cli {

namespace {

// splitmix64: a batch's seed from the user's seed, the batch's first prompt id and the round, so
// the same project state and seed give the same text whatever ran before.
uint64_t mix_seed(uint64_t seed, uint64_t prompt_id, uint64_t round) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (prompt_id * 64 + round + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct PendingPrompt {
  int64_t id = 0;
  std::string text;
  int64_t have = 0;
  int64_t attempts = 0;
};

}  // namespace

FillReport fill_completions(db::Database& db, TextGenerator& generator,
                            std::optional<int64_t> model_id, const GenerationConfig& config,
                            std::ostream* progress) {
  config.validate();
  const auto started = std::chrono::steady_clock::now();
  db::CompletionStore store(db);
  const auto needs = store.prompts_needing(config.k);
  FillReport report;
  report.prompts = static_cast<int64_t>(needs.size());
  const int64_t limit = kAttemptsPerCompletion * config.k;
  // Prompts per call: enough copies of each to fill one batch of rows.
  const size_t chunk = static_cast<size_t>(std::max<int64_t>(1, config.batch_size / config.k));
  size_t done = 0;
  for (size_t start = 0; start < needs.size(); start += chunk) {
    std::vector<PendingPrompt> pending;
    for (size_t i = start; i < std::min(needs.size(), start + chunk); ++i)
      pending.push_back({needs[i].prompt_id, needs[i].text, needs[i].have, 0});
    db::Transaction transaction(db);
    for (uint64_t round = 0;; ++round) {
      std::vector<PendingPrompt*> active;
      int64_t missing = 0;
      for (auto& prompt : pending) {
        if (prompt.have < config.k && prompt.attempts < limit) {
          active.push_back(&prompt);
          missing = std::max(missing, config.k - prompt.have);
        }
      }
      if (active.empty()) break;
      std::vector<std::string> texts;
      for (const auto* prompt : active) texts.push_back(prompt->text);
      const uint64_t batch_seed = mix_seed(config.seed, active.front()->id, round);
      auto sampling = to_json(config);
      sampling["batch_seed"] = batch_seed;
      const std::string sampling_text = sampling.dump();
      auto completions = generator.complete(texts, missing, config, batch_seed);
      for (size_t i = 0; i < active.size(); ++i) {
        PendingPrompt& prompt = *active[i];
        for (const GeneratedText& completion : completions[i]) {
          ++prompt.attempts;
          ++report.samples_drawn;
          if (prompt.have >= config.k) continue;
          // A byte-level model can write any byte; the store keeps UTF-8 (see db/utf8.h).
          if (store.add_completion(prompt.id, db::to_valid_utf8(completion.text), model_id,
                                   sampling_text,
                                   completion.finish_reason)) {
            ++prompt.have;
            ++report.completions_added;
          }
        }
      }
    }
    transaction.commit();
    for (const auto& prompt : pending) report.prompts_short += prompt.have < config.k;
    done += pending.size();
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (progress) {
      char line[160];
      std::snprintf(line, sizeof(line),
                    "\rgenerate: %zu/%zu prompts, %lld completions, %.1f completions/s", done,
                    needs.size(), static_cast<long long>(report.completions_added),
                    report.completions_added / std::max(1e-9, report.seconds));
      *progress << line << std::flush;
    }
  }
  if (progress && !needs.empty()) *progress << "\n";
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace prefstudio::cli
