// CompletionBrowser: the paged queries behind the data table, one row per prompt (its id, an
// excerpt, how many completions, who ranked it, its flags), with a search string and filters.
// Pages are read by keyset (prompt id > a known id): from the previous page when scrolling on, from
// a PageIndex (built once per filter) for a jump; OFFSET paging exists for callers without an
// index. Per-row figures come from indexed lookups, so a page costs the same at row 10 as at row
// 900,000. Leaves out editing. Borrows a Database (one per thread); failures throw DbError.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

// Which prompts the table lists. Labeled / unlabeled / flagged consider current rankings only, and
// only those of `labeler_id` when it is set ("unlabeled by bob" is bob's remaining work; kAll with
// a labeler means "labeled by bob"). Labeled = ranked or marked all bad; a skip is not a label.
struct BrowseFilter {
  enum class State { kAll, kLabeled, kUnlabeled, kFlagged };
  State state = State::kAll;
  std::optional<int64_t> labeler_id;  // e.g. 3: only that labeler's rankings count
  // Case-insensitive (ASCII) substring of the prompt or of any of its completions; empty: no
  // search. No full-text index exists in schema v2, so a search scans the texts once per query.
  std::string search;
};

struct BrowseRow {
  int64_t prompt_id = 0;
  std::string excerpt;  // the prompt's first kExcerptChars characters
  int64_t completions = 0;
  std::string labeled_by;  // names of labelers with a current ranked/all-bad ranking, ", "
  bool flagged = false;    // a current ranking carries a flag or marks the set all bad
  std::string flags;       // the distinct flags, "all bad" included, ", "-joined
};

// One labeler's current ranking of a prompt, for the detail pane.
struct BrowseRanking {
  std::string labeler;
  std::string status;            // ranked | skipped | all_bad
  std::map<int64_t, int> ranks;  // completion id -> rank (0 best); empty unless ranked
};

struct BrowseCompletion {
  int64_t id = 0;
  std::string text;
  std::string model;  // the model's name, empty when unknown
};

// Where each page of a filtered listing starts, so that every page, even one jumped to, is read by
// keyset rather than by an OFFSET that would step over all the rows before it under the filter.
struct PageIndex {
  int64_t count = 0;                 // rows under the filter
  std::vector<int64_t> page_starts;  // prompt id of rows 0, page_size, 2 page_size, ...
};

class CompletionBrowser {
 public:
  static constexpr int kExcerptChars = 160;

  explicit CompletionBrowser(Database& db) : db_(db) {}

  int64_t count(const BrowseFilter& filter);
  // One pass over the matching prompt ids (about as long as count()); 8 bytes per page kept.
  PageIndex page_index(const BrowseFilter& filter, int64_t page_size);
  // Rows offset .. offset + limit - 1 in prompt id order.
  std::vector<BrowseRow> fetch(const BrowseFilter& filter, int64_t offset, int64_t limit);
  // The `limit` rows after prompt `after_prompt_id` (keyset: constant cost however deep).
  std::vector<BrowseRow> fetch_after(const BrowseFilter& filter, int64_t after_prompt_id,
                                     int64_t limit);
  // The full prompt and its completions, for a detail pane.
  std::string prompt_text(int64_t prompt_id);
  std::vector<BrowseCompletion> completions(int64_t prompt_id);
  // Every labeler's current ranking of the prompt, by labeler name.
  std::vector<BrowseRanking> rankings(int64_t prompt_id);
  // (id, name) of every labeler, by name, for the filter box.
  std::vector<std::pair<int64_t, std::string>> labelers();

 private:
  Database& db_;
  std::vector<BrowseRow> read_rows(const BrowseFilter& filter, std::optional<int64_t> after_id,
                                   int64_t offset, int64_t limit);
};

}  // namespace prefstudio::db
