// Scores, score sources and suggestions (see score_store.h). completion_scores and score_sources
// have this class as their one writer; suggested_rankings keeps ProjectStore as its writer.
#include "db/score_store.h"

#include <cmath>
#include <set>

namespace prefstudio::db {

namespace {

std::string optional_text(const Statement& statement, int column) {
  return statement.column_is_null(column) ? "" : statement.column_text(column);
}

}  // namespace

ScoreStore::ScoreStore(Database& db) : db_(db) {}
ScoreStore::~ScoreStore() = default;

void ScoreStore::store_scores(const std::string& source, const std::string& name,
                              const std::string& path,
                              const std::vector<std::pair<int64_t, double>>& scores) {
  if (source.empty()) throw DbError(db_.path() + ": store_scores: the source is empty");
  Transaction transaction(db_);
  Statement upsert_source = db_.prepare(
      "INSERT INTO score_sources (source, name, path, scored_at) VALUES (?1, ?2, ?3, "
      "strftime('%Y-%m-%dT%H:%M:%fZ','now')) ON CONFLICT (source) DO UPDATE SET "
      "name = excluded.name, path = excluded.path, scored_at = excluded.scored_at");
  upsert_source.bind(1, source);
  if (name.empty())
    upsert_source.bind_null(2);
  else
    upsert_source.bind(2, name);
  if (path.empty())
    upsert_source.bind_null(3);
  else
    upsert_source.bind(3, path);
  upsert_source.run();
  Statement upsert_score = db_.prepare(
      "INSERT INTO completion_scores (completion_id, source, score) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (completion_id, source) DO UPDATE SET score = excluded.score");
  for (const auto& [completion_id, score] : scores) {
    std::string where = db_.path() + ": score of completion " + std::to_string(completion_id);
    if (!std::isfinite(score)) throw DbError(where + " is not finite");
    try {
      upsert_score.bind(1, completion_id).bind(2, source).bind(3, score).run();
    } catch (const DbError& error) {  // a foreign key: the completion is not in the project
      throw DbError(where + ": " + error.what());
    }
  }
  transaction.commit();
}

std::vector<ScoreSource> ScoreStore::sources() {
  Statement select = db_.prepare(
      "SELECT s.source, s.name, s.path, s.scored_at, "
      "(SELECT count(*) FROM completion_scores c WHERE c.source = s.source) "
      "FROM score_sources s ORDER BY s.scored_at DESC, s.source DESC");
  std::vector<ScoreSource> sources;
  while (select.step())
    sources.push_back({select.column_text(0), optional_text(select, 1), optional_text(select, 2),
                       select.column_text(3), select.column_int(4)});
  return sources;
}

std::optional<std::string> ScoreStore::newest_source() {
  Statement select =
      db_.prepare("SELECT source FROM score_sources ORDER BY scored_at DESC, source DESC LIMIT 1");
  if (!select.step()) return std::nullopt;
  return select.column_text(0);
}

void ScoreStore::store_suggestion(int64_t prompt_id, const std::string& source,
                                  const std::vector<int64_t>& completion_ids_best_first) {
  Statement of_prompt = db_.prepare("SELECT 1 FROM completions WHERE id = ? AND prompt_id = ?");
  std::set<int64_t> seen;
  for (int64_t id : completion_ids_best_first) {
    std::string where = db_.path() + ": suggested ranking of prompt " + std::to_string(prompt_id) +
                        " by '" + source + "': completion " + std::to_string(id);
    if (!seen.insert(id).second) throw DbError(where + " appears twice");
    of_prompt.bind(1, id).bind(2, prompt_id);
    bool found = of_prompt.step();
    of_prompt.reset();
    if (!found) throw DbError(where + " is not a completion of that prompt");
  }
  if (!suggestions_) suggestions_ = std::make_unique<ProjectStore>(db_);
  suggestions_->set_suggested_ranking(prompt_id, source, completion_ids_best_first);
}

void ScoreStore::for_each_completion(const std::function<void(const CompletionToScore&)>& visit) {
  Statement select = db_.prepare(
      "SELECT c.prompt_id, p.text, c.id, c.text, c.finish_reason FROM completions c "
      "JOIN prompts p ON p.id = c.prompt_id ORDER BY c.prompt_id, c.id");
  CompletionToScore row;
  row.prompt_id = -1;
  while (select.step()) {
    int64_t prompt_id = select.column_int(0);
    if (prompt_id != row.prompt_id) {  // the prompt's text once per prompt, not per completion
      row.prompt_id = prompt_id;
      row.prompt = select.column_text(1);
    }
    row.completion_id = select.column_int(2);
    row.text = select.column_text(3);
    row.finish_reason = optional_text(select, 4);
    visit(row);
  }
}

}  // namespace prefstudio::db
