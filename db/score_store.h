// Reward-model scores in the labeling loop: every completion streamed out to be scored, the scores
// stored per source (a reward model's content hash) with when and by what they were made, and a
// model's suggested ranking per prompt. Suggestions go to suggested_rankings, never to rankings:
// they are shown to labelers (when enabled) and never count as labels. Scores of one source only
// are ever compared (the queue's low-margin order picks one). Borrows the Database (one connection
// per thread); failures throw DbError naming the file and the row.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/project_store.h"

namespace prefstudio::db {

struct ScoreSource {
  std::string source;     // e.g. the reward model's SHA-256
  std::string name;       // e.g. "reward run 3, step 400"; "" if not given
  std::string path;       // the checkpoint it was loaded from; "" if not given
  std::string scored_at;  // when it last stored scores, UTC text like created_at
  int64_t scores = 0;     // completion_scores rows of this source
};

struct CompletionToScore {
  int64_t prompt_id = 0;
  std::string prompt;
  int64_t completion_id = 0;
  std::string text;
  std::string finish_reason;  // "eos", "length" or "" (unknown)
};

class ScoreStore {
 public:
  explicit ScoreStore(Database& db);
  ~ScoreStore();

  // One transaction: upserts (completion id, score) for `source`, and the score_sources row with
  // `name`, `path` ("" = NULL) and scored_at = now. Throws DbError for an empty source, a score
  // that is NaN or infinite, or a completion id that is not in the project (naming it).
  void store_scores(const std::string& source, const std::string& name, const std::string& path,
                    const std::vector<std::pair<int64_t, double>>& scores);
  // Newest first (scored_at, then source descending).
  std::vector<ScoreSource> sources();
  // The newest source, nullopt when nothing was scored.
  std::optional<std::string> newest_source();

  // Replaces `source`'s suggested order of the prompt's completions, best first (through
  // ProjectStore, suggested_rankings' one writer). Throws DbError if an id is not a completion of
  // that prompt or appears twice. Wrap many calls in a db::Transaction.
  void store_suggestion(int64_t prompt_id, const std::string& source,
                        const std::vector<int64_t>& completion_ids_best_first);

  // Every completion of the project, ordered by prompt id then completion id, so a prompt's
  // completions arrive together (a reward model can batch them). One row in memory at a time.
  // Do not write to this Database from inside `visit`: collect the scores, then store_scores.
  void for_each_completion(const std::function<void(const CompletionToScore&)>& visit);

 private:
  Database& db_;
  std::unique_ptr<ProjectStore> suggestions_;  // made on the first store_suggestion
};

}  // namespace prefstudio::db
