// Merging a labeler's offline copy of a project into another: prompts, completions, models and
// labelers matched by content (prompt text; prompt + completion text; model hash, else name + path;
// labeler name), then every ranking version with its entries, flags, comment and timings, plus card
// orders and suggested rankings. Runs, checkpoints and project settings are not merged: the
// target's stand. One transaction per source: a failure leaves the target exactly as it was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

// The same labeler holds a different current ranking of the same prompt in both projects.
// Rule: the later created_at wins (becomes current); the other is kept as an older version, so no
// label is lost and merging again changes nothing. On equal timestamps the target's stays current.
struct MergeConflict {
  std::string labeler;
  int64_t prompt_id = 0;       // in the target
  std::string prompt_excerpt;  // the first ~60 characters
  std::string target_created_at;
  std::string source_created_at;
  bool source_won = false;  // the source's ranking is now current
};

struct MergeReport {
  std::string source;
  int64_t prompts_added = 0;
  int64_t completions_added = 0;
  int64_t labelers_added = 0;
  int64_t models_added = 0;
  int64_t versions_added = 0;     // ranking versions copied
  int64_t versions_present = 0;   // source versions the target already had
  int64_t annotations_added = 0;  // flags or comments added to versions both had
  int64_t card_orders_added = 0;
  std::vector<MergeConflict> conflicts;
  bool changed() const {
    return prompts_added || completions_added || labelers_added || models_added || versions_added ||
           annotations_added || card_orders_added;
  }
};

// Merges the project file at `source_path` into `target` (already open and migrated). A ranking
// version is "the same" in both when labeler, prompt, status, created_at and its entries (by
// content) match; such versions are not copied again, their flags and comment are united.
// Copied versions are numbered after the target's, keep their created_at, and are not current
// unless the conflict rule above (or the target having no current ranking) makes them so.
// Throws DbError, with the target unchanged, when the source is missing, is not a project, has a
// newer schema, is the target itself, or SQLite fails.
MergeReport merge_project(Database& target, const std::string& source_path);

}  // namespace prefstudio::db
