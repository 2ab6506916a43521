// Rankings as trainers read them: one PreferenceRanking per labeler's current ranked ranking, or
// one consensus ranking per prompt, with the completions' text and finish reason, so a reward model
// can train on whole rankings (Plackett-Luce, or every pair at once) instead of exported pairs.
// Leaves out skipped and all-bad rankings, old versions, suggested rankings (never human labels)
// and rankings that order nothing (every completion tied). Reads only; borrows the Database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/dataset_split.h"
#include "db/pair_builder.h"

namespace prefstudio::db {

struct PreferenceCompletion {
  int64_t completion_id = 0;
  std::string text;
  std::string finish_reason;  // "eos", "length" or "" (unknown, e.g. imported: read as "eos")
  int rank = 0;               // dense, 0 best; equal ranks are ties
};

struct PreferenceRanking {
  int64_t prompt_id = 0;
  std::string prompt;
  int64_t ranking_id = 0;       // rankings.id; 0 for a consensus
  std::string labeler;          // "" for a consensus
  std::optional<int> strength;  // pairwise mode's 1..3 where the labeler gave one; never consensus
  std::vector<PreferenceCompletion> completions;  // by completion id
};

struct PreferenceQuery {
  PairMode mode = PairMode::per_labeler;
  SplitOptions split;                 // e.g. project_split(db, Split::train)
  std::vector<std::string> labelers;  // whose rankings count; empty = every labeler
};

// Per labeler: every current 'ranked' ranking of the chosen labelers on the split side, ordered by
// prompt id, then labeler name. Consensus: one ranking per prompt over the chosen labelers'
// rankings in the ranked-pairs (Tideman) order of labeler_agreement.h, walked in tie groups: the
// next completion joins the current group when the chosen labelers' margin is 0 (nobody ordered
// them, or as many each way) against every member, and opens the next rank otherwise. So a pair
// with a majority is never flattened into a tie; a zero-margin pair across groups does get the
// order's direction (ranks cannot say "unordered" there). The whole result is in memory. Throws DbError naming an unknown labeler, or on SQLite failure.
std::vector<PreferenceRanking> load_preference_rankings(Database& db, const PreferenceQuery& query);

}  // namespace prefstudio::db
