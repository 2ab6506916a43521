// Prompts needing completions, inserts with dedupe, and best-ranked completions
// (completion_store.h).
#include "db/completion_store.h"

namespace prefstudio::db {

std::vector<PromptNeed> CompletionStore::prompts_needing(int64_t k) {
  Statement select = db_.prepare(
      "SELECT p.id, p.text, (SELECT COUNT(*) FROM completions c WHERE c.prompt_id = p.id) AS n "
      "FROM prompts p WHERE n < ? ORDER BY p.id");
  select.bind(1, k);
  std::vector<PromptNeed> needs;
  while (select.step())
    needs.push_back({select.column_int(0), select.column_text(1), select.column_int(2)});
  return needs;
}

std::vector<int64_t> CompletionStore::add_prompts(const std::vector<std::string>& texts) {
  Transaction transaction(db_);
  Statement insert = db_.prepare("INSERT OR IGNORE INTO prompts (text) VALUES (?)");
  Statement find = db_.prepare("SELECT id FROM prompts WHERE text = ?");
  std::vector<int64_t> ids;
  ids.reserve(texts.size());
  for (const std::string& text : texts) {
    insert.bind(1, text).run();
    find.bind(1, text);
    if (!find.step()) throw DbError(db_.path() + ": prompt vanished after insert");
    ids.push_back(find.column_int(0));
    find.reset();
  }
  transaction.commit();
  return ids;
}

bool CompletionStore::add_completion(int64_t prompt_id, const std::string& text,
                                     std::optional<int64_t> model_id,
                                     const std::string& sampling_json,
                                     const std::string& finish_reason) {
  if (!finish_reason.empty() && finish_reason != "eos" && finish_reason != "length")
    throw DbError(db_.path() + ": completion finish_reason '" + finish_reason +
                  "' is not eos, length or empty");
  Statement insert = db_.prepare(
      "INSERT OR IGNORE INTO completions (prompt_id, text, model_id, sampling, finish_reason) "
      "VALUES (?, ?, ?, ?, ?)");
  insert.bind(1, prompt_id).bind(2, text).bind(3, model_id);
  if (sampling_json.empty())
    insert.bind_null(4);
  else
    insert.bind(4, sampling_json);
  if (finish_reason.empty())
    insert.bind_null(5);
  else
    insert.bind(5, finish_reason);
  insert.run();
  return db_.changes() > 0;
}

int64_t CompletionStore::completion_count(int64_t prompt_id) {
  Statement count = db_.prepare("SELECT COUNT(*) FROM completions WHERE prompt_id = ?");
  count.bind(1, prompt_id);
  count.step();
  return count.column_int(0);
}

std::vector<std::string> CompletionStore::completions_of(int64_t prompt_id) {
  Statement select = db_.prepare("SELECT text FROM completions WHERE prompt_id = ? ORDER BY id");
  select.bind(1, prompt_id);
  std::vector<std::string> texts;
  while (select.step()) texts.push_back(select.column_text(0));
  return texts;
}

std::vector<PromptResponse> CompletionStore::top_ranked_completions() {
  // Mean rank per completion over current 'ranked' rankings; the first row per prompt wins.
  Statement select = db_.prepare(
      "SELECT p.id, p.text, c.text, AVG(e.rank) AS mean_rank FROM ranking_entries e "
      "JOIN rankings r ON r.id = e.ranking_id AND r.is_current = 1 AND r.status = 'ranked' "
      "JOIN completions c ON c.id = e.completion_id JOIN prompts p ON p.id = c.prompt_id "
      "GROUP BY c.id ORDER BY p.id, mean_rank, c.id");
  std::vector<PromptResponse> best;
  while (select.step()) {
    int64_t prompt_id = select.column_int(0);
    if (!best.empty() && best.back().prompt_id == prompt_id) continue;
    best.push_back({prompt_id, select.column_text(1), select.column_text(2)});
  }
  return best;
}

}  // namespace prefstudio::db
