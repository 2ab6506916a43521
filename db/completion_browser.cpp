// The data table's queries (see completion_browser.h). SQL is assembled only from the fixed
// fragments below; the labeler and the search text are always bound parameters (?1, ?2).
#include "db/completion_browser.h"

namespace prefstudio::db {

namespace {

// ?1: the labeler id or NULL. Each EXISTS runs on rankings_one_current (prompt_id, labeler_id).
constexpr const char* kLabeled =
    "EXISTS (SELECT 1 FROM rankings r WHERE r.prompt_id = p.id AND r.is_current = 1 "
    "AND r.status IN ('ranked', 'all_bad') AND (?1 IS NULL OR r.labeler_id = ?1))";
constexpr const char* kFlagged =
    "EXISTS (SELECT 1 FROM rankings r WHERE r.prompt_id = p.id AND r.is_current = 1 "
    "AND (?1 IS NULL OR r.labeler_id = ?1) AND (r.status = 'all_bad' OR "
    "EXISTS (SELECT 1 FROM ranking_flags f WHERE f.ranking_id = r.id)))";
// ?2: the LIKE pattern.
constexpr const char* kSearch =
    "(p.text LIKE ?2 ESCAPE '\\' OR EXISTS (SELECT 1 FROM completions c "
    "WHERE c.prompt_id = p.id AND c.text LIKE ?2 ESCAPE '\\'))";

std::string where_clause(const BrowseFilter& filter) {
  std::string where = "WHERE 1";
  switch (filter.state) {
    case BrowseFilter::State::kAll:
      if (filter.labeler_id) where += std::string(" AND ") + kLabeled;
      break;
    case BrowseFilter::State::kLabeled:
      where += std::string(" AND ") + kLabeled;
      break;
    case BrowseFilter::State::kUnlabeled:
      where += std::string(" AND NOT ") + kLabeled;
      break;
    case BrowseFilter::State::kFlagged:
      where += std::string(" AND ") + kFlagged;
      break;
  }
  if (!filter.search.empty()) where += std::string(" AND ") + kSearch;
  return where;
}

// "%text%" with LIKE's own wildcards escaped, so a search for "50%" finds "50%" only.
std::string like_pattern(const std::string& search) {
  std::string pattern = "%";
  for (char c : search) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

void bind_filter(Statement& statement, const BrowseFilter& filter) {
  if (filter.labeler_id) statement.bind(1, *filter.labeler_id);
  if (!filter.search.empty()) statement.bind(2, like_pattern(filter.search));
}

}  // namespace

int64_t CompletionBrowser::count(const BrowseFilter& filter) {
  Statement statement = db_.prepare("SELECT count(*) FROM prompts p " + where_clause(filter));
  bind_filter(statement, filter);
  statement.step();
  return statement.column_int(0);
}

PageIndex CompletionBrowser::page_index(const BrowseFilter& filter, int64_t page_size) {
  if (page_size <= 0) throw DbError("page_index: page_size must be positive");
  Statement statement =
      db_.prepare("SELECT p.id FROM prompts p " + where_clause(filter) + " ORDER BY p.id");
  bind_filter(statement, filter);
  PageIndex index;
  while (statement.step()) {
    if (index.count % page_size == 0) index.page_starts.push_back(statement.column_int(0));
    ++index.count;
  }
  return index;
}

std::vector<BrowseRow> CompletionBrowser::fetch(const BrowseFilter& filter, int64_t offset,
                                                int64_t limit) {
  return read_rows(filter, std::nullopt, offset, limit);
}

std::vector<BrowseRow> CompletionBrowser::fetch_after(const BrowseFilter& filter,
                                                      int64_t after_prompt_id, int64_t limit) {
  return read_rows(filter, after_prompt_id, 0, limit);
}

std::vector<BrowseRow> CompletionBrowser::read_rows(const BrowseFilter& filter,
                                                    std::optional<int64_t> after_id, int64_t offset,
                                                    int64_t limit) {
  std::string sql =
      "SELECT p.id, substr(p.text, 1, ?5), "
      "(SELECT count(*) FROM completions c WHERE c.prompt_id = p.id), "
      "(SELECT group_concat(name, ', ') FROM (SELECT l.name FROM rankings r "
      "  JOIN labelers l ON l.id = r.labeler_id WHERE r.prompt_id = p.id AND r.is_current = 1 "
      "  AND r.status IN ('ranked', 'all_bad') ORDER BY l.name)), "
      "(SELECT group_concat(flag, ', ') FROM (SELECT f.flag AS flag FROM rankings r "
      "  JOIN ranking_flags f ON f.ranking_id = r.id WHERE r.prompt_id = p.id "
      "  AND r.is_current = 1 UNION SELECT 'all bad' FROM rankings r WHERE r.prompt_id = p.id "
      "  AND r.is_current = 1 AND r.status = 'all_bad' ORDER BY 1)) "
      "FROM prompts p " +
      where_clause(filter) + (after_id ? " AND p.id > ?6" : "") +
      " ORDER BY p.id LIMIT ?3 OFFSET ?4";
  Statement statement = db_.prepare(sql);
  bind_filter(statement, filter);
  statement.bind(3, limit).bind(4, offset).bind(5, kExcerptChars);
  if (after_id) statement.bind(6, *after_id);
  std::vector<BrowseRow> rows;
  while (statement.step()) {
    BrowseRow row;
    row.prompt_id = statement.column_int(0);
    row.excerpt = statement.column_text(1);
    row.completions = statement.column_int(2);
    row.labeled_by = statement.column_text(3);
    row.flags = statement.column_text(4);
    row.flagged = !row.flags.empty();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string CompletionBrowser::prompt_text(int64_t prompt_id) {
  Statement statement = db_.prepare("SELECT text FROM prompts WHERE id = ?1");
  statement.bind(1, prompt_id);
  if (!statement.step())
    throw DbError(db_.path() + ": no prompt with id " + std::to_string(prompt_id));
  return statement.column_text(0);
}

std::vector<BrowseCompletion> CompletionBrowser::completions(int64_t prompt_id) {
  Statement statement = db_.prepare(
      "SELECT c.id, c.text, coalesce(m.name, '') FROM completions c "
      "LEFT JOIN models m ON m.id = c.model_id WHERE c.prompt_id = ?1 ORDER BY c.id");
  statement.bind(1, prompt_id);
  std::vector<BrowseCompletion> result;
  while (statement.step())
    result.push_back({statement.column_int(0), statement.column_text(1), statement.column_text(2)});
  return result;
}

std::vector<BrowseRanking> CompletionBrowser::rankings(int64_t prompt_id) {
  Statement statement = db_.prepare(
      "SELECT l.name, r.status, e.completion_id, e.rank FROM rankings r "
      "JOIN labelers l ON l.id = r.labeler_id "
      "LEFT JOIN ranking_entries e ON e.ranking_id = r.id AND r.status = 'ranked' "
      "WHERE r.prompt_id = ?1 AND r.is_current = 1 ORDER BY l.name, r.id");
  statement.bind(1, prompt_id);
  std::vector<BrowseRanking> result;
  while (statement.step()) {
    std::string name = statement.column_text(0);
    if (result.empty() || result.back().labeler != name)
      result.push_back({name, statement.column_text(1), {}});
    if (!statement.column_is_null(2))
      result.back().ranks[statement.column_int(2)] = static_cast<int>(statement.column_int(3));
  }
  return result;
}

std::vector<std::pair<int64_t, std::string>> CompletionBrowser::labelers() {
  Statement statement = db_.prepare("SELECT id, name FROM labelers ORDER BY name, id");
  std::vector<std::pair<int64_t, std::string>> result;
  while (statement.step()) result.emplace_back(statement.column_int(0), statement.column_text(1));
  return result;
}

}  // namespace prefstudio::db
