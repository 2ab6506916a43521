// Get-or-create for prompts, completions and labelers, and the versioned ranking writer: the one
// place that knows how rows are deduplicated and how an edited ranking keeps its old version.
// Used by the importer and meant for the labeling store too. Leaves transactions to the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

// A ranking as a labeler gave it. Ranks need not be dense: {0, 2, 2} is stored as {0, 1, 1}.
struct RankingInput {
  std::vector<std::pair<int64_t, int>>
      completion_ranks;                 // completion id, rank (0 best, equal: tie)
  std::string status = "ranked";        // ranked | skipped | all_bad (schema CHECK)
  std::optional<std::string> comment;   // free text from the labeler, e.g. "all four off-topic"
  std::optional<double> seconds_spent;  // time on this prompt; not part of "identical"
  std::optional<int64_t> strength;      // pairwise mode: 1 (slightly) .. 3 (much better)
};

struct RankingWrite {
  int64_t ranking_id = 0;  // the current ranking after the call
  bool written = false;    // false: identical to the current ranking, nothing written
  bool replaced = false;   // true: an older current version now has is_current = 0
};

// Holds prepared statements on `db`, which must outlive it; one ProjectStore per connection and
// thread. Every method throws DbError from SQLite (e.g. a completion of another prompt in a ranking
// fails the foreign key or is rejected with a DbError naming it). No method begins or commits a
// transaction: wrap a user action in db::Transaction so it is all-or-nothing.
class ProjectStore {
 public:
  explicit ProjectStore(Database& db);

  // Each returns the row id, creating the row if the text is new; *created says which happened.
  int64_t prompt_id(std::string_view text, bool* created = nullptr);
  int64_t completion_id(int64_t prompt_id, std::string_view text, bool* created = nullptr);
  int64_t labeler_id(std::string_view name, bool* created = nullptr);

  // Makes `input` the current ranking of (prompt, labeler). Identical to the current one (same
  // entries after making ranks dense, same status, comment and strength): nothing is written.
  // Otherwise the current one is kept as history (is_current = 0) and version n+1 is added.
  RankingWrite write_ranking(int64_t prompt_id, int64_t labeler_id, const RankingInput& input);

  // Rows added from now on get `timestamp` as created_at (an import stamps all its rows with the
  // time it began, which also saves formatting the clock per row); nullopt: the time of each
  // insert.
  void set_created_at(std::optional<std::string> timestamp);
  // The current time in the schema's created_at format, e.g. "2026-11-26T09:12:21.123Z".
  std::string now();

  // Stores (replacing) the suggested order of a prompt's completions from `source` ("import", or a
  // reward model's name), best first.
  void set_suggested_ranking(int64_t prompt_id, std::string_view source,
                             const std::vector<int64_t>& completion_ids);

  // Sorted by completion id, ranks renumbered 0, 1, 2... keeping order and ties.
  static std::vector<std::pair<int64_t, int>> dense_ranks(
      std::vector<std::pair<int64_t, int>> completion_ranks);

 private:
  Database& db_;
  Statement insert_prompt_, select_prompt_;
  Statement insert_completion_, select_completion_;
  Statement insert_labeler_, select_labeler_;
  Statement select_current_, select_entries_, retire_ranking_, insert_ranking_, insert_entry_;
  Statement upsert_suggested_;

  std::optional<std::string> created_at_;

  template <typename BindLookup>
  int64_t get_or_create(Statement& insert, Statement& select, BindLookup bind_lookup,
                        bool* created);
  bool same_as_current(int64_t ranking_id, const std::vector<std::pair<int64_t, int>>& dense);
};

}  // namespace prefstudio::db
