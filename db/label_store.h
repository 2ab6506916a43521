// LabelStore: every write and read the labeling screen needs, one user action per Transaction
// (submit, skip, all-bad, flag, comment, undo), so a kill at any moment loses nothing submitted.
// It borrows a Database (one connection per thread) and never owns it. It leaves out the queue
// (label_queue.h) and pairs (pair_builder). Every failure throws DbError naming the field or row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

// A flag on a ranking: on one completion, or on the whole set when completion_id is empty.
struct RankingFlag {
  std::optional<int64_t> completion_id;
  std::string flag;  // e.g. "harmful", "hallucination", or a project-defined one
};

// What the labeler decided for one prompt. ranks: one (completion id, rank) per completion of the
// prompt, rank 0 best, equal ranks are ties. Empty for skipped / all_bad.
struct RankingSubmission {
  int64_t prompt_id = 0;
  int64_t labeler_id = 0;
  std::vector<std::pair<int64_t, int>> ranks;
  std::vector<RankingFlag> flags;
  std::string comment;          // empty: none
  double seconds_spent = 0;     // time the prompt was on screen, for pace and quality checks
  std::optional<int> strength;  // pairwise (K = 2) only: 1 slightly .. 3 much better
};

// A stored ranking version.
struct RankingRecord {
  int64_t id = 0;
  int64_t prompt_id = 0;
  int64_t labeler_id = 0;
  int version = 1;
  bool is_current = true;
  std::string status;                          // ranked | skipped | all_bad
  std::vector<std::pair<int64_t, int>> ranks;  // (completion id, rank), best first
  std::vector<RankingFlag> flags;
  std::string comment;
  double seconds_spent = 0;
  std::optional<int> strength;
  std::string created_at;
};

struct LabelCompletion {
  int64_t id = 0;
  std::string text;
};

struct SuggestedRanking {
  std::string source;                   // "import" or a model's name
  std::vector<int64_t> completion_ids;  // best first
};

// One prompt as a labeler sees it: cards in that labeler's stored shuffled order; model names are
// deliberately absent so they cannot leak into the labels.
struct PromptForLabeling {
  int64_t prompt_id = 0;
  std::string prompt_text;
  std::vector<LabelCompletion> cards;
  std::vector<SuggestedRanking> suggestions;  // empty unless show_suggestions is on
  std::optional<RankingRecord> current;       // this labeler's current ranking, if any
};

struct HistoryEntry {
  int64_t ranking_id = 0;
  int64_t prompt_id = 0;
  int version = 1;
  std::string status;
  std::string created_at;
  std::string prompt_preview;  // the first ~80 characters of the prompt
};

// Project-wide labeling settings, stored as rows of project_settings.
struct ProjectSettings {
  std::string guidelines;                   // Markdown shown in the guidelines panel
  std::string queue_order = "as_imported";  // as_imported | random | low_margin
  int64_t queue_seed = 0;                   // seed of the random order, e.g. 1234
  int overlap = 1;                          // labelers per prompt; 0 = no limit
  std::vector<std::string> custom_flags;    // offered beside the standard flags
  bool show_suggestions = false;            // show suggested rankings, marked with their source
  // The completion_scores source (a reward model's hash) that low_margin orders by; "" = the
  // newest in score_sources (see score_store.h).
  std::string queue_score_source;
  bool show_raw_text = false;  // model text exactly as stored instead of rendered Markdown
};

// The flags every project offers.
const std::vector<std::string>& standard_flags();

class LabelStore {
 public:
  explicit LabelStore(Database& db) : db_(db) {}

  int64_t get_or_create_labeler(const std::string& name);  // throws on an empty name
  std::vector<std::string> labeler_names();

  // Each of these adds a new version (the old one stays, is_current = 0) and returns its id.
  // submit_ranking checks that ranks cover every completion of the prompt exactly once.
  int64_t submit_ranking(const RankingSubmission& submission);
  // skip and mark_all_bad ignore ranks and strength; flags and comment are kept.
  int64_t skip(const RankingSubmission& submission);
  int64_t mark_all_bad(const RankingSubmission& submission);

  // Annotate an existing current ranking in place (no new version). A flag is stored once: adding
  // one the ranking already has (same flag, same completion or both on the whole set) does nothing.
  void add_flag(int64_t ranking_id, const RankingFlag& flag);
  // Replaces every flag of a current ranking with `flags` (duplicates dropped), in one transaction.
  void set_flags(int64_t ranking_id, const std::vector<RankingFlag>& flags);
  void set_comment(int64_t ranking_id, const std::string& comment);

  // Deletes version `ranking_id` (it must still be current) and makes the previous version of the
  // same prompt and labeler current again, if any. Returns the prompt id.
  int64_t undo_submit(int64_t ranking_id);
  // The version that undo_submit(ranking_id) makes current again (the newest other version of the
  // same prompt and labeler); empty when there is none. Reads only.
  std::optional<RankingRecord> version_before(int64_t ranking_id);

  std::optional<RankingRecord> current_ranking(int64_t prompt_id, int64_t labeler_id);
  RankingRecord ranking(int64_t ranking_id);
  // This labeler's current rankings, newest first.
  std::vector<HistoryEntry> history(int64_t labeler_id, int limit = 200);

  // Loads a prompt with its cards in the stored order, creating and storing the shuffle (seeded by
  // labeler and prompt) on first view; while another connection holds the write lock it is not
  // stored then (no waiting) but with this labeler's answer, or at the next view.
  PromptForLabeling load_prompt(int64_t prompt_id, int64_t labeler_id);

  ProjectSettings settings();
  void save_settings(const ProjectSettings& settings);

 private:
  Database& db_;
  int64_t insert_version(const RankingSubmission& submission, const char* status);
  void insert_flags(int64_t ranking_id, const std::vector<RankingFlag>& flags);
  void require_current(int64_t ranking_id, const char* what);
  // skip and mark_all_bad: a version with `status`, in its own transaction.
  int64_t insert_unranked(const RankingSubmission& submission, const char* status);
  std::vector<int64_t> card_order(int64_t prompt_id, int64_t labeler_id,
                                  const std::vector<int64_t>& completion_ids);
};

}  // namespace prefstudio::db
