// Exports a project's current ranked rankings as JSONL for the Python ecosystem: TRL preference
// pairs, rankings in our own import format, or SFT prompt/completion rows. Writes to a temp file,
// syncs it and renames it (then syncs the folder), so neither a failed export nor a power cut
// leaves a half-written file at the destination.
#pragma once

#include <cstdint>
#include <string>

#include "db/database.h"
#include "db/dataset_split.h"
#include "db/jsonl_importer.h"
#include "db/pair_builder.h"

namespace prefstudio::db {

struct ExportOptions {
  // pairs:    {"prompt", "chosen", "rejected", "labeler"} per pair (TRL; "labeler" is left out in
  //           consensus mode). rankings: {"prompt", "completions", "ranks", "labeler"} per ranking.
  //           sft: {"prompt", "completion"} for each completion ranked best by someone
  //           (per-labeler) or by the consensus (never beaten, beats at least one).
  std::string format = "pairs";
  SplitOptions split;                     // which prompts: the split is by prompt text
  PairMode mode = PairMode::per_labeler;  // for pairs and sft; rankings are always per labeler
};

// Writes `out_path` and returns the number of rows written. Canonical order, so that export,
// import into a new project and export again give identical bytes: prompts by id (= import order),
// rankings by labeler name, a ranking's completions by (rank, text) and its pairs in that order
// (best first); row ids never decide an order, as they differ in the re-imported project.
// `progress` gets (prompts done, prompts with rankings); returning false cancels (ImportCancelled,
// no file written). Throws DbError for an unknown format, a SQLite error or a write error.
int64_t export_jsonl(Database& db, const ExportOptions& options, const std::string& out_path,
                     const ImportProgress& progress = {});

}  // namespace prefstudio::db
