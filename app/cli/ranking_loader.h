// The project's rankings as the preference trainers and the reward-model evaluation read them:
// db's preference data (current ranked rankings on one side of the project's one split) turned
// into core's RankingExample. A completion with finish reason "length" did not end (no EOS); one
// with no recorded reason (imported text) counts as ended.
#pragma once

#include <string>
#include <vector>

#include "core/train/ranking_example.h"
#include "db/database.h"
#include "db/dataset_split.h"

namespace prefstudio::cli {

// `pair_mode`: "per_labeler" / "per-labeler" or "consensus" (ConfigError naming `field`
// otherwise). `labelers` empty = all; an unknown name is a DbError naming it.
std::vector<RankingExample> load_rankings(db::Database& db, db::Split side,
                                          const std::string& pair_mode,
                                          const std::vector<std::string>& labelers,
                                          const std::string& field = "pair_mode");

}  // namespace prefstudio::cli
