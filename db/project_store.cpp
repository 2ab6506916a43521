// Get-or-create and versioned rankings (see project_store.h). Insert first and look up only on a
// conflict: an import is mostly new rows, so the common case costs one index probe, not two.
#include "db/project_store.h"

#include <algorithm>

namespace prefstudio::db {

namespace {
// created_at: the bound time when set_created_at gave one, else the schema's own default.
constexpr const char* kNow = "COALESCE(?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
constexpr const char* kNow3 = "COALESCE(?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
constexpr const char* kNow8 = "COALESCE(?8, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
}  // namespace

ProjectStore::ProjectStore(Database& db)
    : db_(db),
      insert_prompt_(db.prepare("INSERT INTO prompts (text, created_at) VALUES (?1, " +
                                std::string(kNow) + ") ON CONFLICT DO NOTHING")),
      select_prompt_(db.prepare("SELECT id FROM prompts WHERE text = ?1")),
      insert_completion_(db.prepare("INSERT INTO completions (prompt_id, text, created_at) VALUES "
                                    "(?1, ?2, " +
                                    std::string(kNow3) + ") ON CONFLICT DO NOTHING")),
      select_completion_(
          db.prepare("SELECT id FROM completions WHERE prompt_id = ?1 AND text = ?2")),
      insert_labeler_(db.prepare("INSERT INTO labelers (name, created_at) VALUES (?1, " +
                                 std::string(kNow) + ") ON CONFLICT DO NOTHING")),
      select_labeler_(db.prepare("SELECT id FROM labelers WHERE name = ?1")),
      select_current_(db.prepare("SELECT id, version, status, comment, strength FROM rankings "
                                 "WHERE prompt_id = ?1 AND labeler_id = ?2 AND is_current = 1")),
      select_entries_(db.prepare("SELECT completion_id, rank FROM ranking_entries "
                                 "WHERE ranking_id = ?1 ORDER BY completion_id")),
      retire_ranking_(db.prepare("UPDATE rankings SET is_current = 0 WHERE id = ?1")),
      insert_ranking_(db.prepare(
          "INSERT INTO rankings (prompt_id, labeler_id, version, status, comment, seconds_spent, "
          "strength, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, " +
          std::string(kNow8) + ")")),
      insert_entry_(db.prepare(
          "INSERT INTO ranking_entries (ranking_id, completion_id, rank) VALUES (?1, ?2, ?3)")),
      upsert_suggested_(
          db.prepare("INSERT OR REPLACE INTO suggested_rankings (prompt_id, source, ranking_json) "
                     "VALUES (?1, ?2, ?3)")) {}

template <typename BindLookup>
int64_t ProjectStore::get_or_create(Statement& insert, Statement& select, BindLookup bind_lookup,
                                    bool* created) {
  insert.run();
  bool added = db_.changes() > 0;
  if (created) *created = added;
  if (added) return db_.last_insert_rowid();
  bind_lookup(select);  // only now: binding copies the text, and new rows are the common case
  bool found = select.step();
  int64_t id = found ? select.column_int(0) : 0;
  select.reset();
  if (!found) throw DbError("row vanished between insert and lookup in " + db_.path());
  return id;
}

int64_t ProjectStore::prompt_id(std::string_view text, bool* created) {
  insert_prompt_.bind(1, text);
  if (created_at_) insert_prompt_.bind(2, *created_at_);
  return get_or_create(
      insert_prompt_, select_prompt_, [&](Statement& select) { select.bind(1, text); }, created);
}

int64_t ProjectStore::completion_id(int64_t prompt_id, std::string_view text, bool* created) {
  insert_completion_.bind(1, prompt_id).bind(2, text);
  if (created_at_) insert_completion_.bind(3, *created_at_);
  return get_or_create(
      insert_completion_, select_completion_,
      [&](Statement& select) { select.bind(1, prompt_id).bind(2, text); }, created);
}

int64_t ProjectStore::labeler_id(std::string_view name, bool* created) {
  insert_labeler_.bind(1, name);
  if (created_at_) insert_labeler_.bind(2, *created_at_);
  return get_or_create(
      insert_labeler_, select_labeler_, [&](Statement& select) { select.bind(1, name); }, created);
}

std::vector<std::pair<int64_t, int>> ProjectStore::dense_ranks(
    std::vector<std::pair<int64_t, int>> completion_ranks) {
  std::vector<int> distinct;
  distinct.reserve(completion_ranks.size());
  for (const auto& entry : completion_ranks) distinct.push_back(entry.second);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  for (auto& entry : completion_ranks)
    entry.second = static_cast<int>(
        std::lower_bound(distinct.begin(), distinct.end(), entry.second) - distinct.begin());
  std::sort(completion_ranks.begin(), completion_ranks.end());
  return completion_ranks;
}

bool ProjectStore::same_as_current(int64_t ranking_id,
                                   const std::vector<std::pair<int64_t, int>>& dense) {
  select_entries_.bind(1, ranking_id);
  size_t i = 0;
  bool same = true;
  while (select_entries_.step()) {
    if (i >= dense.size() || dense[i].first != select_entries_.column_int(0) ||
        dense[i].second != select_entries_.column_int(1)) {
      same = false;
      break;
    }
    ++i;
  }
  select_entries_.reset();
  return same && i == dense.size();
}

RankingWrite ProjectStore::write_ranking(int64_t prompt_id, int64_t labeler_id,
                                         const RankingInput& input) {
  std::vector<std::pair<int64_t, int>> dense = dense_ranks(input.completion_ranks);
  for (size_t i = 1; i < dense.size(); ++i)
    if (dense[i].first == dense[i - 1].first)
      throw DbError("ranking lists completion " + std::to_string(dense[i].first) + " twice");
  RankingWrite result;
  int64_t version = 1;
  select_current_.bind(1, prompt_id).bind(2, labeler_id);
  if (select_current_.step()) {
    int64_t current = select_current_.column_int(0);
    version = select_current_.column_int(1) + 1;
    bool same_fields = select_current_.column_text(2) == input.status &&
                       select_current_.column_is_null(3) == !input.comment.has_value() &&
                       (!input.comment || select_current_.column_text(3) == *input.comment) &&
                       select_current_.column_is_null(4) == !input.strength.has_value() &&
                       (!input.strength || select_current_.column_int(4) == *input.strength);
    select_current_.reset();
    if (same_fields && same_as_current(current, dense)) {
      result.ranking_id = current;
      return result;
    }
    retire_ranking_.bind(1, current).run();
    result.replaced = true;
  } else {
    select_current_.reset();
  }
  insert_ranking_.bind(1, prompt_id).bind(2, labeler_id).bind(3, version).bind(4, input.status);
  if (input.comment) insert_ranking_.bind(5, *input.comment);
  if (input.seconds_spent) insert_ranking_.bind(6, *input.seconds_spent);
  insert_ranking_.bind(7, input.strength);
  if (created_at_) insert_ranking_.bind(8, *created_at_);
  insert_ranking_.run();
  result.ranking_id = db_.last_insert_rowid();
  result.written = true;
  for (const auto& [completion, rank] : dense)
    insert_entry_.bind(1, result.ranking_id).bind(2, completion).bind(3, rank).run();
  return result;
}

void ProjectStore::set_created_at(std::optional<std::string> timestamp) {
  created_at_ = std::move(timestamp);
}

std::string ProjectStore::now() {
  Statement query = db_.prepare("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
  query.step();
  return query.column_text(0);
}

void ProjectStore::set_suggested_ranking(int64_t prompt_id, std::string_view source,
                                         const std::vector<int64_t>& completion_ids) {
  std::string json = "[";
  for (size_t i = 0; i < completion_ids.size(); ++i)
    json += (i ? "," : "") + std::to_string(completion_ids[i]);
  json += "]";
  upsert_suggested_.bind(1, prompt_id).bind(2, source).bind(3, json).run();
}

}  // namespace prefstudio::db
