// Fills a project with sampled completions until every prompt has K distinct ones: the shared
// body of `generate` and `demo`. Completions are unique per prompt by text, so a repeated sample
// counts for nothing; each prompt gets at most kAttemptsPerCompletion * K samples, after which it
// keeps fewer than K (a model that always writes the same answer) and is counted as short.
// Runs on the calling thread with its Database and TextGenerator; throws DbError / CoreError.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>

#include "core/train/generation_config.h"
#include "core/train/text_generator.h"
#include "db/database.h"

namespace prefstudio::cli {

constexpr int64_t kAttemptsPerCompletion = 4;

struct FillReport {
  int64_t prompts = 0;  // prompts that had fewer than K at the start
  int64_t completions_added = 0;
  int64_t samples_drawn = 0;  // including duplicates that were not stored
  int64_t prompts_short = 0;  // still fewer than K after the attempt limit
  double seconds = 0.0;
};

// Samples with `config` (k, temperature, ..., batch_size; seed) and stores each new completion
// with `model_id` and the sampling JSON (config plus the batch's derived seed). Each batch of
// prompts is committed in one transaction. `progress`: a "\r" progress line with completions/s.
FillReport fill_completions(db::Database& db, TextGenerator& generator,
                            std::optional<int64_t> model_id, const GenerationConfig& config,
                            std::ostream* progress);

}  // namespace prefstudio::cli
