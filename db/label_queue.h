// LabelQueue: which prompt a labeler sees next, and the counts behind the progress bar.
// The prompt order (as imported, seeded random, or lowest margin first under one reward model's
// scores: ProjectSettings::queue_score_source, else the newest source) is computed at
// construction, again when prompts were added since (max(id) grew: one index lookup per next()),
// and walked with a cursor; each candidate costs two lookups in the partial index
// rankings_one_current, so an Enter never scans the project. Borrows the Database.
// Rules: any current ranking of this labeler (ranked, skipped or all_bad) takes a prompt out of
// this labeler's queue, until the prompt gains a completion that the ranking did not judge (e.g. a
// run's sample sent to the queue, run_browser.h): a 'ranked' one lacking one of the prompt's
// completions, or an 'all_bad' one older than one of them, then no longer counts and the prompt
// comes back to this labeler, whose new version covers the new completion (a skip stays a skip).
// A prompt whose current 'ranked'/'all_bad' rankings by other labelers reach `overlap` is not
// offered (skips do not count towards the overlap; a ranking lacking a new completion still does,
// so the labelers who ranked a prompt are the ones who see it again); a prompt with fewer than two
// completions (imported as a bare prompt, not sampled yet) is not offered. With an overlap, handing
// out a prompt reserves it for kReservationMinutes (queue_reservations, schema v5) in the same
// BEGIN IMMEDIATE transaction as the check, and live reservations of other labelers who have not
// answered it count towards the overlap: labelers at the same pace get different prompts. A
// reservation expires (a labeler who walked away holds nothing for long); it is not a lock on
// ranking: a prompt reopened from the history can always be ranked. While another program holds
// the write lock longer than kReservationWaitMs (an import), prompts are handed out unreserved.
// Completions added while the queue lives (max(id) grew: one more index lookup per next()) reopen
// their prompts in the walk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "db/database.h"
#include "db/label_store.h"

namespace prefstudio::db {

struct QueueCounts {
  int64_t done = 0;   // prompts with this labeler's current ranking (any status)
  int64_t total = 0;  // prompts in the project
  // Prompts open to this labeler: not answered by them, with two completions or more, and (with an
  // overlap) not already answered by enough others. Counted by the queue's own rule when the
  // queue opens (projects up to LabelQueue::kExactRemainingLimit prompts) and kept by this
  // session's submits and undos; answers by others since then are seen at the next opening. Above
  // the limit it is total - done, the most there can be, and remaining_is_bound says so.
  int64_t remaining = 0;
  bool remaining_is_bound = false;
  // This labeler's pace: the median gap between consecutive submits (every status and version) of
  // the latest kPaceGaps + 1, leaving out gaps over kBreakSeconds (breaks); empty before two
  // submits or when every gap was a break.
  std::optional<double> seconds_per_prompt;
  // remaining x seconds_per_prompt; empty without a pace.
  std::optional<double> seconds_left;
};

class LabelQueue {
 public:
  // How long a handed-out prompt stays reserved for its labeler, e.g. 10 (minutes): longer than a
  // labeler spends on one prompt, short enough that an abandoned one comes back soon.
  static constexpr int kReservationMinutes = 10;
  // How long handing out a prompt waits for another program's write lock before it goes on
  // without the reservation, e.g. 20 ms: longer than another labeler's write (a few ms), short
  // enough that a labeler does not feel it while an import holds the lock for minutes.
  static constexpr int kReservationWaitMs = 20;
  // The pace of QueueCounts: a gap longer than this is a break, not time spent on a prompt.
  static constexpr double kBreakSeconds = 600;
  // The pace reads the gaps between this many + 1 latest submits (an index range, whatever the
  // labeler's history), so it follows the labeler's pace of today.
  static constexpr int kPaceGaps = 100;
  // Up to this many prompts the open ones are counted exactly (a few index lookups each, once).
  static constexpr size_t kExactRemainingLimit = 20000;

  // Throws DbError on an unreadable settings row.
  LabelQueue(Database& db, int64_t labeler_id, const ProjectSettings& settings);

  // The next prompt to label after the cursor, wrapping around once; nullopt when nothing is left.
  std::optional<int64_t> next();
  // Tells the queue that this labeler finished (or un-did) a prompt in this session, so the walk
  // can skip it without a lookup. The database stays the authority.
  void mark_done(int64_t prompt_id);
  void mark_undone(int64_t prompt_id);
  // Offers `prompt_id` before any other while it is open; the latest put comes first. Undone
  // prompts come next this way, not when the walk wraps around.
  void put_first(int64_t prompt_id) { first_.push_back(prompt_id); }
  QueueCounts counts();

  const std::vector<int64_t>& order() const { return order_; }

 private:
  bool is_open(int64_t prompt_id);
  // is_open, then (with an overlap) the reservation, in one write transaction.
  bool reserve(int64_t prompt_id);
  void load_order();
  // Prompts added since the order was computed (an import by the CLI or another copy) join it.
  void pick_up_new_prompts();
  // Prompts that gained a completion since the last look leave done_, so is_open looks again.
  void pick_up_new_completions();
  std::optional<double> seconds_per_prompt();
  // QueueCounts::remaining: the open prompts, counted once and then kept up to date.
  int64_t open_prompts();

  Database& db_;
  int64_t labeler_id_;
  int overlap_;
  ProjectSettings settings_;
  int64_t max_prompt_id_ = 0;         // the largest prompt id when order_ was computed
  int64_t seen_completion_id_ = 0;    // the largest completion id when done_ was last checked
  std::vector<int64_t> order_;        // every prompt id, in queue order
  size_t cursor_ = 0;                 // index into order_ of the next candidate
  std::unordered_set<int64_t> done_;  // prompts this labeler has a current ranking for
  std::optional<int64_t> open_count_;  // open_prompts(), once counted; reset when prompts change
  std::vector<int64_t> first_;        // put_first, a stack
  Statement mine_;
  Statement rankable_;
  Statement others_;
  Statement reserve_;
  Statement max_id_;
  Statement max_completion_id_;
  Statement pace_;
};

}  // namespace prefstudio::db
