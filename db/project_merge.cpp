// Project merge (see project_merge.h). A Merger maps the source's ids to the target's, table by
// table in dependency order (models, labelers, prompts, completions), then walks the source's
// ranking versions grouped by prompt and labeler. The source is only read, inside one read
// transaction so it is a consistent snapshot even while a labeler still writes to it.
#include "db/project_merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "db/schema.h"

namespace prefstudio::db {

namespace {

struct Flag {
  std::optional<int64_t> completion_id;  // in the target's ids
  std::string flag;
  bool operator<(const Flag& other) const {
    return std::tie(completion_id, flag) < std::tie(other.completion_id, other.flag);
  }
  bool operator==(const Flag& other) const {
    return completion_id == other.completion_id && flag == other.flag;
  }
};

// One ranking version with every id already in the target's numbering.
struct Version {
  int64_t id = 0;  // in its own project
  int version = 1;
  bool current = false;
  std::string status, created_at;
  std::optional<std::string> comment;
  std::optional<double> seconds_spent;
  std::optional<int64_t> strength;
  std::vector<std::pair<int64_t, int>> entries;  // sorted by completion id
  std::vector<Flag> flags;                       // sorted
  // The identity across projects: what was decided, and when.
  std::string key() const {
    std::string key = status + "|" + created_at + "|";
    for (const auto& [id, rank] : entries)
      key += std::to_string(id) + ":" + std::to_string(rank) + ",";
    return key;
  }
};

// Ends the source's read transaction whatever happens.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db) : db_(db) { db_.exec("BEGIN"); }
  ~ReadSnapshot() { sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr); }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Database& db_;
};

std::optional<std::string> optional_text(const Statement& statement, int column) {
  if (statement.column_is_null(column)) return std::nullopt;
  return statement.column_text(column);
}

class Merger {
 public:
  Merger(Database& target, Database& source, int source_version)
      : target_(target), source_(source), source_version_(source_version) {}

  MergeReport run() {
    merge_models();
    merge_labelers();
    merge_prompts();
    merge_completions();
    merge_rankings();
    if (source_version_ >= 2) {
      merge_card_orders();
      merge_suggestions();
    }
    return report_;
  }

 private:
  Database& target_;
  Database& source_;
  int source_version_;
  MergeReport report_;
  std::unordered_map<int64_t, int64_t> models_, labelers_, prompts_, completions_;

  int64_t map(const std::unordered_map<int64_t, int64_t>& ids, int64_t id, const char* what) {
    auto found = ids.find(id);
    if (found == ids.end())
      throw DbError(source_.path() + ": " + what + " " + std::to_string(id) +
                    " is referenced but missing");
    return found->second;
  }

  // Inserts with ON CONFLICT DO NOTHING, then looks the row up by the same content.
  int64_t insert_or_find(Statement& insert, Statement& find, int64_t& added) {
    insert.step();
    if (target_.changes() > 0) {
      ++added;
      int64_t id = target_.last_insert_rowid();
      insert.reset();
      find.reset();
      return id;
    }
    insert.reset();
    if (!find.step()) throw DbError(target_.path() + ": a row vanished during the merge");
    int64_t id = find.column_int(0);
    find.reset();
    return id;
  }

  void merge_models() {
    Statement rows = source_.prepare("SELECT id, name, content_hash, path, created_at FROM models");
    Statement find = target_.prepare(
        "SELECT id FROM models WHERE (?1 IS NOT NULL AND content_hash = ?1) OR "
        "(?1 IS NULL AND content_hash IS NULL AND name = ?2 AND path IS ?3) ORDER BY id LIMIT 1");
    Statement insert = target_.prepare(
        "INSERT INTO models (name, content_hash, path, created_at) VALUES (?1, ?2, ?3, ?4)");
    while (rows.step()) {
      auto hash = optional_text(rows, 2), path = optional_text(rows, 3);
      auto bind_text = [](Statement& s, int i, const std::optional<std::string>& v) {
        v ? s.bind(i, *v) : s.bind_null(i);
      };
      bind_text(find, 1, hash);
      find.bind(2, rows.column_text(1));
      bind_text(find, 3, path);
      if (find.step()) {
        models_[rows.column_int(0)] = find.column_int(0);
        find.reset();
        continue;
      }
      find.reset();
      insert.bind(1, rows.column_text(1)).bind(4, rows.column_text(4));
      bind_text(insert, 2, hash);
      bind_text(insert, 3, path);
      insert.run();
      models_[rows.column_int(0)] = target_.last_insert_rowid();
      ++report_.models_added;
    }
  }

  void merge_labelers() {
    Statement rows = source_.prepare("SELECT id, name, created_at FROM labelers");
    Statement insert = target_.prepare(
        "INSERT INTO labelers (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING");
    Statement find = target_.prepare("SELECT id FROM labelers WHERE name = ?1");
    while (rows.step()) {
      insert.bind(1, rows.column_text(1)).bind(2, rows.column_text(2));
      find.bind(1, rows.column_text(1));
      labelers_[rows.column_int(0)] = insert_or_find(insert, find, report_.labelers_added);
    }
  }

  void merge_prompts() {
    Statement rows = source_.prepare("SELECT id, text, created_at FROM prompts ORDER BY id");
    Statement insert = target_.prepare(
        "INSERT INTO prompts (text, created_at) VALUES (?1, ?2) ON CONFLICT (text) DO NOTHING");
    Statement find = target_.prepare("SELECT id FROM prompts WHERE text = ?1");
    while (rows.step()) {
      insert.bind(1, rows.column_text(1)).bind(2, rows.column_text(2));
      find.bind(1, rows.column_text(1));
      prompts_[rows.column_int(0)] = insert_or_find(insert, find, report_.prompts_added);
    }
  }

  void merge_completions() {
    // finish_reason arrived in v4; an older source's completions keep it NULL (unknown).
    Statement rows = source_.prepare(
        std::string("SELECT id, prompt_id, text, model_id, sampling, created_at, ") +
        (source_version_ >= 4 ? "finish_reason" : "NULL") + " FROM completions ORDER BY id");
    Statement insert = target_.prepare(
        "INSERT INTO completions (prompt_id, text, model_id, sampling, created_at, finish_reason) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (prompt_id, text) DO NOTHING");
    Statement find =
        target_.prepare("SELECT id FROM completions WHERE prompt_id = ?1 AND text = ?2");
    while (rows.step()) {
      int64_t prompt = map(prompts_, rows.column_int(1), "prompt");
      insert.bind(1, prompt).bind(2, rows.column_text(2)).bind(5, rows.column_text(5));
      if (!rows.column_is_null(3)) insert.bind(3, map(models_, rows.column_int(3), "model"));
      if (!rows.column_is_null(4)) insert.bind(4, rows.column_text(4));
      if (!rows.column_is_null(6)) insert.bind(6, rows.column_text(6));
      find.bind(1, prompt).bind(2, rows.column_text(2));
      completions_[rows.column_int(0)] = insert_or_find(insert, find, report_.completions_added);
    }
  }

  // Reads one ranking row (id, version, is_current, status, created_at, comment, seconds_spent,
  // strength) plus its entries and flags. `translate` maps completion ids to the target's.
  Version read_version(Database& db, const Statement& row, bool translate) {
    Version v;
    v.id = row.column_int(0);
    v.version = static_cast<int>(row.column_int(1));
    v.current = row.column_int(2) != 0;
    v.status = row.column_text(3);
    v.created_at = row.column_text(4);
    v.comment = optional_text(row, 5);
    if (!row.column_is_null(6)) v.seconds_spent = row.column_double(6);
    if (!row.column_is_null(7)) v.strength = row.column_int(7);
    Statement entries =
        db.prepare("SELECT completion_id, rank FROM ranking_entries WHERE ranking_id = ?1");
    entries.bind(1, v.id);
    while (entries.step()) {
      int64_t id = entries.column_int(0);
      v.entries.emplace_back(translate ? map(completions_, id, "completion") : id,
                             static_cast<int>(entries.column_int(1)));
    }
    Statement flags =
        db.prepare("SELECT completion_id, flag FROM ranking_flags WHERE ranking_id = ?1");
    flags.bind(1, v.id);
    while (flags.step()) {
      Flag flag{std::nullopt, flags.column_text(1)};
      if (!flags.column_is_null(0))
        flag.completion_id =
            translate ? map(completions_, flags.column_int(0), "completion") : flags.column_int(0);
      v.flags.push_back(flag);
    }
    std::sort(v.entries.begin(), v.entries.end());
    std::sort(v.flags.begin(), v.flags.end());
    return v;
  }

  std::string ranking_columns() const {
    return source_version_ >= 2 ? "id, version, is_current, status, created_at, comment, "
                                  "seconds_spent, strength"
                                : "id, version, is_current, status, created_at, comment, "
                                  "seconds_spent, NULL";
  }

  void merge_rankings() {
    Statement groups = source_.prepare(
        "SELECT DISTINCT prompt_id, labeler_id FROM rankings ORDER BY prompt_id, labeler_id");
    Statement versions = source_.prepare("SELECT " + ranking_columns() +
                                         " FROM rankings WHERE prompt_id = ?1 AND labeler_id = ?2 "
                                         "ORDER BY version");
    while (groups.step()) {
      int64_t prompt = groups.column_int(0), labeler = groups.column_int(1);
      std::vector<Version> source_versions;
      versions.bind(1, prompt).bind(2, labeler);
      while (versions.step()) source_versions.push_back(read_version(source_, versions, true));
      versions.reset();
      merge_group(map(prompts_, prompt, "prompt"), map(labelers_, labeler, "labeler"),
                  source_versions);
    }
  }

  std::vector<Version> target_versions(int64_t prompt, int64_t labeler) {
    Statement rows = target_.prepare(
        "SELECT id, version, is_current, status, created_at, comment, seconds_spent, strength "
        "FROM rankings WHERE prompt_id = ?1 AND labeler_id = ?2 ORDER BY version");
    rows.bind(1, prompt).bind(2, labeler);
    std::vector<Version> result;
    while (rows.step()) result.push_back(read_version(target_, rows, false));
    return result;
  }

  void merge_group(int64_t prompt, int64_t labeler, const std::vector<Version>& source_versions) {
    std::vector<Version> existing = target_versions(prompt, labeler);
    std::map<std::string, const Version*> by_key;
    for (const auto& v : existing) by_key[v.key()] = &v;
    std::map<std::string, bool> in_source;
    std::vector<const Version*> missing;
    for (const auto& v : source_versions) {
      in_source[v.key()] = true;
      auto found = by_key.find(v.key());
      if (found == by_key.end()) {
        missing.push_back(&v);
      } else {
        ++report_.versions_present;
        unite_annotations(*found->second, v);
      }
    }
    if (missing.empty()) return;

    const Version* target_current = nullptr;
    for (const auto& v : existing)
      if (v.current) target_current = &v;
    const Version* source_current = nullptr;
    for (const Version* v : missing)
      if (v->current) source_current = v;
    bool make_current = false;
    if (source_current) {
      make_current = !target_current || source_current->created_at > target_current->created_at;
      // The source saw the target's current and moved on: a fast-forward, not a conflict.
      if (target_current && !in_source.count(target_current->key()))
        report_conflict(prompt, labeler, *target_current, *source_current, make_current);
    }
    std::stable_sort(missing.begin(), missing.end(), [](const Version* l, const Version* r) {
      return l->created_at < r->created_at;
    });
    int next = existing.empty() ? 1 : existing.back().version + 1;
    if (make_current && target_current) {
      Statement clear = target_.prepare("UPDATE rankings SET is_current = 0 WHERE id = ?1");
      clear.bind(1, target_current->id).run();
    }
    for (const Version* v : missing)
      insert_version(prompt, labeler, *v, next++, make_current && v == source_current);
  }

  void insert_version(int64_t prompt, int64_t labeler, const Version& v, int version,
                      bool current) {
    Statement insert = target_.prepare(
        "INSERT INTO rankings (prompt_id, labeler_id, version, is_current, status, comment, "
        "seconds_spent, created_at, strength) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    insert.bind(1, prompt).bind(2, labeler).bind(3, version).bind(4, current ? 1 : 0);
    insert.bind(5, v.status).bind(8, v.created_at).bind(9, v.strength);
    if (v.comment) insert.bind(6, *v.comment);
    if (v.seconds_spent) insert.bind(7, *v.seconds_spent);
    insert.run();
    int64_t id = target_.last_insert_rowid();
    Statement entry = target_.prepare(
        "INSERT INTO ranking_entries (ranking_id, completion_id, rank) VALUES (?1, ?2, ?3)");
    for (const auto& [completion, rank] : v.entries)
      entry.bind(1, id).bind(2, completion).bind(3, rank).run();
    for (const Flag& flag : v.flags) insert_flag(id, flag);
    ++report_.versions_added;
  }

  void insert_flag(int64_t ranking_id, const Flag& flag) {
    Statement insert = target_.prepare(
        "INSERT INTO ranking_flags (ranking_id, completion_id, flag) VALUES (?1, ?2, ?3)");
    insert.bind(1, ranking_id).bind(2, flag.completion_id).bind(3, flag.flag).run();
  }

  // Flags added on either side are united; a comment fills an empty one (the target's text wins
  // when both wrote one, as with the current ranking on equal timestamps).
  void unite_annotations(const Version& target, const Version& source) {
    for (const Flag& flag : source.flags)
      if (!std::binary_search(target.flags.begin(), target.flags.end(), flag)) {
        insert_flag(target.id, flag);
        ++report_.annotations_added;
      }
    if (source.comment && !source.comment->empty() &&
        (!target.comment || target.comment->empty())) {
      Statement update = target_.prepare("UPDATE rankings SET comment = ?1 WHERE id = ?2");
      update.bind(1, *source.comment).bind(2, target.id).run();
      ++report_.annotations_added;
    }
  }

  void report_conflict(int64_t prompt, int64_t labeler, const Version& target,
                       const Version& source, bool source_won) {
    MergeConflict conflict;
    conflict.prompt_id = prompt;
    conflict.target_created_at = target.created_at;
    conflict.source_created_at = source.created_at;
    conflict.source_won = source_won;
    Statement names = target_.prepare(
        "SELECT (SELECT name FROM labelers WHERE id = ?1), "
        "(SELECT substr(text, 1, 60) FROM prompts WHERE id = ?2)");
    names.bind(1, labeler).bind(2, prompt);
    names.step();
    conflict.labeler = names.column_text(0);
    conflict.prompt_excerpt = names.column_text(1);
    report_.conflicts.push_back(std::move(conflict));
  }

  // Rewrites a JSON array of source completion ids into the target's ids.
  std::string translate_ids(const std::string& json, const std::string& where) {
    auto ids = nlohmann::json::parse(json, nullptr, false);
    if (!ids.is_array()) throw DbError(source_.path() + ": " + where + " is not a JSON array");
    nlohmann::json result = nlohmann::json::array();
    for (const auto& id : ids) {
      if (!id.is_number_integer())
        throw DbError(source_.path() + ": " + where + " holds a non-integer id");
      result.push_back(map(completions_, id.get<int64_t>(), "completion"));
    }
    return result.dump();
  }

  void merge_card_orders() {
    Statement rows = source_.prepare("SELECT prompt_id, labeler_id, order_json FROM card_orders");
    Statement insert = target_.prepare(
        "INSERT INTO card_orders (prompt_id, labeler_id, order_json) VALUES (?1, ?2, ?3) "
        "ON CONFLICT DO NOTHING");
    while (rows.step()) {
      std::string where = "card_orders of prompt " + std::to_string(rows.column_int(0));
      insert.bind(1, map(prompts_, rows.column_int(0), "prompt"))
          .bind(2, map(labelers_, rows.column_int(1), "labeler"))
          .bind(3, translate_ids(rows.column_text(2), where));
      insert.run();
      report_.card_orders_added += target_.changes();
    }
  }

  void merge_suggestions() {
    Statement rows =
        source_.prepare("SELECT prompt_id, source, ranking_json FROM suggested_rankings");
    Statement insert = target_.prepare(
        "INSERT INTO suggested_rankings (prompt_id, source, ranking_json) VALUES (?1, ?2, ?3) "
        "ON CONFLICT DO NOTHING");
    while (rows.step()) {
      std::string where = "suggested_rankings of prompt " + std::to_string(rows.column_int(0));
      insert.bind(1, map(prompts_, rows.column_int(0), "prompt"))
          .bind(2, rows.column_text(1))
          .bind(3, translate_ids(rows.column_text(2), where));
      insert.run();
    }
  }
};

int checked_source_version(Database& source, const std::string& path) {
  int version = source.user_version();
  if (version == 0) throw DbError(path + ": not a Preference Studio project (schema version 0)");
  if (version > kSchemaVersion)
    throw DbError(path + ": schema version " + std::to_string(version) +
                  " is newer than this program's " + std::to_string(kSchemaVersion));
  return version;
}

}  // namespace

MergeReport merge_project(Database& target, const std::string& source_path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(source_path, error))
    throw DbError(source_path + ": no such project file");
  if (std::filesystem::equivalent(target.path(), source_path, error))
    throw DbError(source_path + ": is the target project itself");
  Database source(source_path, /*create=*/false);
  int version = checked_source_version(source, source_path);
  ReadSnapshot snapshot(source);
  Transaction transaction(target);
  MergeReport report = Merger(target, source, version).run();
  report.source = source_path;
  transaction.commit();
  return report;
}

}  // namespace prefstudio::db
