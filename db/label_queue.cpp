// LabelQueue (see label_queue.h). The two per-candidate statements are prepared once and reused;
// EXPLAIN QUERY PLAN shows both as SEARCH rankings USING INDEX rankings_one_current.
#include "db/label_queue.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "db/score_store.h"

namespace prefstudio::db {

namespace {

// True for current ranking r of prompt r.prompt_id that no longer takes the prompt out of its
// labeler's queue: a 'ranked' one lacking one of the prompt's completions (submit_ranking makes a
// ranking cover every completion there was), an 'all_bad' one older than one of them (it has no
// entries to compare). Index searches only: completions_by_prompt, ranking_entries' primary key.
constexpr const char* kLacksACompletion =
    "((r.status = 'ranked' AND EXISTS (SELECT 1 FROM completions c WHERE c.prompt_id = "
    "r.prompt_id AND NOT EXISTS (SELECT 1 FROM ranking_entries e WHERE e.ranking_id = r.id AND "
    "e.completion_id = c.id))) OR (r.status = 'all_bad' AND EXISTS (SELECT 1 FROM completions c "
    "WHERE c.prompt_id = r.prompt_id AND c.created_at > r.created_at)))";

// The median of the gaps between consecutive times (seconds, any order) of at most
// `break_seconds`; empty when there is no such gap.
std::optional<double> median_gap(std::vector<double> times, double break_seconds) {
  std::sort(times.begin(), times.end());
  std::vector<double> gaps;
  for (size_t i = 1; i < times.size(); ++i)
    if (times[i] - times[i - 1] <= break_seconds) gaps.push_back(times[i] - times[i - 1]);
  if (gaps.empty()) return std::nullopt;
  std::sort(gaps.begin(), gaps.end());
  const size_t middle = gaps.size() / 2;
  return gaps.size() % 2 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

LabelQueue::LabelQueue(Database& db, int64_t labeler_id, const ProjectSettings& settings)
    : db_(db),
      labeler_id_(labeler_id),
      overlap_(settings.overlap),
      settings_(settings),
      mine_(db.prepare(std::string("SELECT 1 FROM rankings r WHERE r.prompt_id = ? AND "
                                   "r.labeler_id = ? AND r.is_current = 1 AND NOT ") +
                       kLacksACompletion)),
      rankable_(db.prepare("SELECT count(*) FROM (SELECT 1 FROM completions WHERE prompt_id = ? "
                           "LIMIT 2)")),
      // Other labelers' answers (skips do not count) plus their live reservations of prompts they
      // have not answered at all.
      others_(db.prepare(
          "SELECT (SELECT count(*) FROM rankings WHERE prompt_id = ?1 AND is_current = 1 AND "
          "status != 'skipped' AND labeler_id != ?2) + (SELECT count(*) FROM queue_reservations q "
          "WHERE q.prompt_id = ?1 AND q.labeler_id != ?2 AND q.expires_at > "
          "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AND NOT EXISTS (SELECT 1 FROM rankings r WHERE "
          "r.prompt_id = ?1 AND r.labeler_id = q.labeler_id AND r.is_current = 1))")),
      reserve_(db.prepare(
          "INSERT INTO queue_reservations (prompt_id, labeler_id, expires_at) VALUES (?1, ?2, "
          "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3)) ON CONFLICT (prompt_id, labeler_id) DO "
          "UPDATE SET expires_at = excluded.expires_at")),
      max_id_(db.prepare("SELECT coalesce(max(id), 0) FROM prompts")),
      max_completion_id_(db.prepare("SELECT coalesce(max(id), 0) FROM completions")),
      // Julian days to seconds; rankings_by_labeler_time gives the latest without a sort.
      pace_(db.prepare("SELECT julianday(created_at) * 86400.0 FROM rankings WHERE labeler_id = ? "
                       "ORDER BY created_at DESC LIMIT ?")) {
  load_order();
  max_completion_id_.step();
  seen_completion_id_ = max_completion_id_.column_int(0);
  max_completion_id_.reset();
  Statement done = db_.prepare(
      std::string("SELECT r.prompt_id FROM rankings r WHERE r.labeler_id = ? AND r.is_current = 1 "
                  "AND NOT ") +
      kLacksACompletion);
  done.bind(1, labeler_id_);
  while (done.step()) done_.insert(done.column_int(0));
}

void LabelQueue::pick_up_new_completions() {
  max_completion_id_.step();
  int64_t max_id = max_completion_id_.column_int(0);
  max_completion_id_.reset();
  if (max_id <= seen_completion_id_) return;
  open_count_.reset();  // prompts reopened: count again
  // A rowid range: only the completions added since the last look.
  Statement added = db_.prepare("SELECT prompt_id FROM completions WHERE id > ?");
  added.bind(1, seen_completion_id_);
  while (added.step()) done_.erase(added.column_int(0));
  seen_completion_id_ = max_id;
}

void LabelQueue::pick_up_new_prompts() {
  max_id_.step();
  int64_t max_id = max_id_.column_int(0);
  max_id_.reset();
  if (max_id <= max_prompt_id_) return;
  open_count_.reset();
  int64_t at = order_.empty() ? 0 : order_[cursor_ % order_.size()];
  load_order();
  auto found = std::find(order_.begin(), order_.end(), at);
  cursor_ = found == order_.end() ? 0 : static_cast<size_t>(found - order_.begin());
}

void LabelQueue::load_order() {
  const ProjectSettings& settings = settings_;
  order_.clear();
  Statement ids = db_.prepare("SELECT id FROM prompts ORDER BY id");
  while (ids.step()) order_.push_back(ids.column_int(0));
  max_prompt_id_ = order_.empty() ? 0 : order_.back();
  if (settings.queue_order == "random") {
    uint64_t state = static_cast<uint64_t>(settings.queue_seed);
    for (size_t i = order_.size(); i > 1; --i)
      std::swap(order_[i - 1], order_[splitmix64(state) % i]);
  } else if (settings.queue_order == "low_margin") {
    // Margin: the gap between the two best scores of a prompt under ONE source, the one the
    // settings name, else the newest to have scored. Scores of different reward models are on
    // different scales and never mix. Prompts without scores keep their imported order after the
    // scored ones; so does everything when the project has no scores.
    std::optional<std::string> source = settings.queue_score_source;
    if (source->empty()) source = ScoreStore(db_).newest_source();
    std::map<int64_t, std::vector<double>> scores;
    Statement select = db_.prepare(
        "SELECT c.prompt_id, s.score FROM completion_scores s JOIN completions c ON c.id = "
        "s.completion_id WHERE s.source = ?");
    if (source) {
      select.bind(1, *source);
      while (select.step()) scores[select.column_int(0)].push_back(select.column_double(1));
    }
    auto margin = [&](int64_t prompt_id) {
      auto found = scores.find(prompt_id);
      if (found == scores.end() || found->second.size() < 2)
        return std::numeric_limits<double>::infinity();
      std::vector<double>& s = found->second;
      std::partial_sort(s.begin(), s.begin() + 2, s.end(), std::greater<double>());
      return s[0] - s[1];
    };
    std::vector<std::pair<double, int64_t>> keyed;
    keyed.reserve(order_.size());
    for (int64_t id : order_) keyed.emplace_back(margin(id), id);
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < keyed.size(); ++i) order_[i] = keyed[i].second;
  }
}

bool LabelQueue::is_open(int64_t prompt_id) {
  if (done_.count(prompt_id)) return false;
  mine_.bind(1, prompt_id).bind(2, labeler_id_);
  bool mine = mine_.step();
  mine_.reset();
  if (mine) {
    done_.insert(prompt_id);  // ranked from another copy of the program
    return false;
  }
  rankable_.bind(1, prompt_id);
  rankable_.step();
  bool rankable = rankable_.column_int(0) >= 2;
  rankable_.reset();
  if (!rankable) return false;  // prompts still waiting for their completions (sampling)
  if (overlap_ <= 0) return true;
  others_.bind(1, prompt_id).bind(2, labeler_id_);
  others_.step();
  int64_t others = others_.column_int(0);
  others_.reset();
  return others < overlap_;
}

bool LabelQueue::reserve(int64_t prompt_id) {
  // Most candidates of a walk are closed: find that with reads alone, write only for an open one.
  if (!is_open(prompt_id)) return false;
  if (overlap_ <= 0) return true;  // no limit: nothing to share out
  // BEGIN IMMEDIATE: no other queue checks between ours and the write. A reservation is best
  // effort: when another program holds the lock longer than a labeler's write (an import), the
  // prompt is offered unreserved rather than freezing the labeling window behind it.
  std::optional<Transaction> transaction;
  try {
    ScopedBusyTimeout short_wait(db_, kReservationWaitMs);
    transaction.emplace(db_);
  } catch (const DbError& error) {
    if (!error.busy()) throw;
    return true;
  }
  if (!is_open(prompt_id)) return false;  // taken since the read above
  reserve_.bind(1, prompt_id)
      .bind(2, labeler_id_)
      .bind(3, "+" + std::to_string(kReservationMinutes) + " minutes")
      .run();
  transaction->commit();
  return true;
}

std::optional<int64_t> LabelQueue::next() {
  pick_up_new_prompts();
  pick_up_new_completions();
  while (!first_.empty()) {
    if (reserve(first_.back())) return first_.back();
    first_.pop_back();
  }
  for (size_t step = 0; step < order_.size(); ++step) {
    size_t index = (cursor_ + step) % order_.size();
    if (reserve(order_[index])) {
      cursor_ = index;  // stays here until the prompt is done, so a reload shows it again
      return order_[index];
    }
  }
  return std::nullopt;
}

void LabelQueue::mark_done(int64_t prompt_id) {
  // One open prompt fewer, if it was counted open (any prompt not done was, unless others closed
  // it; the count is the most this labeler has left either way).
  if (done_.insert(prompt_id).second && open_count_ && *open_count_ > 0) --*open_count_;
}

void LabelQueue::mark_undone(int64_t prompt_id) {
  done_.erase(prompt_id);
  open_count_.reset();  // rare: count again
}

int64_t LabelQueue::open_prompts() {
  if (!open_count_) {
    int64_t open = 0;
    for (int64_t prompt_id : order_) open += is_open(prompt_id) ? 1 : 0;
    open_count_ = open;
  }
  return *open_count_;
}

std::optional<double> LabelQueue::seconds_per_prompt() {
  pace_.bind(1, labeler_id_).bind(2, kPaceGaps + 1);
  std::vector<double> times;
  while (pace_.step()) times.push_back(pace_.column_double(0));
  pace_.reset();
  return median_gap(std::move(times), kBreakSeconds);
}

QueueCounts LabelQueue::counts() {
  QueueCounts counts;
  counts.total = static_cast<int64_t>(order_.size());
  Statement done =
      db_.prepare("SELECT count(*) FROM rankings WHERE labeler_id = ? AND is_current = 1");
  done.bind(1, labeler_id_);
  done.step();
  counts.done = done.column_int(0);
  counts.remaining_is_bound = order_.size() > kExactRemainingLimit;
  counts.remaining = counts.remaining_is_bound ? std::max<int64_t>(counts.total - counts.done, 0)
                                               : open_prompts();
  counts.seconds_per_prompt = seconds_per_prompt();
  if (counts.seconds_per_prompt)
    counts.seconds_left = static_cast<double>(counts.remaining) * *counts.seconds_per_prompt;
  return counts;
}

}  // namespace prefstudio::db
