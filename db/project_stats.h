// What a project holds, as JSON for `prefstudio-cli stats --json` and the GUI: counts, rankings per
// labeler, and how often labelers agree where several ranked the same prompt. Read-only.
#pragma once

#include <nlohmann/json.hpp>

#include "db/database.h"

namespace prefstudio::db {

// Fields (docs/schema.md has an example):
//   prompts, completions, labelers: row counts.
//   rankings: current rankings with status 'ranked'; rankings_skipped, rankings_all_bad: current
//     ones with those statuses; ranking_versions: every row, old versions included.
//   prompts_ranked: prompts with a current ranked ranking; pairs: per-labeler pairs of those
//     rankings (K(K-1)/2 minus ties each); consensus_pairs: pairs of the consensus.
//   rankings_per_labeler: {name: current ranked rankings}, every labeler listed.
//   agreement: on prompts ranked by two or more labelers, for every two labelers and every two
//     completions both ordered strictly (neither tied them): pairs_compared, pairs_agreed, rate
//     (agreed / compared, null when nothing was compared), prompts (how many such prompts), and
//     by_labeler_pair: [{"labelers": [a, b], "prompts", "pairs_compared", "pairs_agreed", "rate"}].
// Throws DbError from SQLite.
nlohmann::json project_stats(Database& db);

}  // namespace prefstudio::db
