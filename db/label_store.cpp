// LabelStore (see label_store.h). Each public write is one BEGIN IMMEDIATE transaction; the card
// shuffle is a portable splitmix64 Fisher-Yates, so a labeler's order does not depend on the
// standard library.
#include "db/label_store.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace prefstudio::db {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<int64_t> parse_ids(const std::string& json, const std::string& what) {
  try {
    return nlohmann::json::parse(json).get<std::vector<int64_t>>();
  } catch (const nlohmann::json::exception& error) {
    throw DbError(what + ": not a JSON array of ids: " + error.what());
  }
}

// A labeler's card order for a prompt: a splitmix64 Fisher-Yates shuffle of the completion ids,
// seeded by labeler and prompt, so the same on every computation.
std::vector<int64_t> shuffled(int64_t prompt_id, int64_t labeler_id, std::vector<int64_t> order) {
  uint64_t state =
      static_cast<uint64_t>(labeler_id) * 0x100000001B3ULL ^ static_cast<uint64_t>(prompt_id);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[splitmix64(state) % i]);
  return order;
}

// Stores the card order the labeler was shown unless one is stored; the caller holds the
// transaction.
void store_card_order(Database& db, int64_t prompt_id, int64_t labeler_id,
                      const std::vector<int64_t>& order) {
  db.prepare(
        "INSERT OR IGNORE INTO card_orders (prompt_id, labeler_id, order_json) VALUES (?, ?, ?)")
      .bind(1, prompt_id)
      .bind(2, labeler_id)
      .bind(3, nlohmann::json(order).dump())
      .run();
}

std::optional<int> optional_int(const Statement& statement, int column) {
  if (statement.column_is_null(column)) return std::nullopt;
  return static_cast<int>(statement.column_int(column));
}

}  // namespace

const std::vector<std::string>& standard_flags() {
  static const std::vector<std::string> kFlags = {"harmful", "fails the instruction",
                                                  "hallucination", "unreadable"};
  return kFlags;
}

int64_t LabelStore::get_or_create_labeler(const std::string& name) {
  if (name.empty()) throw DbError("labeler: the name is empty");
  // A known labeler is found without the write lock, so opening a project never waits behind
  // another program's long write (an import).
  Statement known = db_.prepare("SELECT id FROM labelers WHERE name = ?");
  known.bind(1, name);
  if (known.step()) return known.column_int(0);
  Transaction transaction(db_);
  Statement insert = db_.prepare("INSERT OR IGNORE INTO labelers (name) VALUES (?)");
  insert.bind(1, name).run();
  Statement select = db_.prepare("SELECT id FROM labelers WHERE name = ?");
  select.bind(1, name);
  select.step();
  int64_t id = select.column_int(0);
  transaction.commit();
  return id;
}

std::vector<std::string> LabelStore::labeler_names() {
  std::vector<std::string> names;
  Statement select = db_.prepare("SELECT name FROM labelers ORDER BY name");
  while (select.step()) names.push_back(select.column_text(0));
  return names;
}

int64_t LabelStore::insert_version(const RankingSubmission& submission, const char* status) {
  // The caller holds the transaction. Version numbers grow past any deleted (undone) version.
  Statement previous = db_.prepare(
      "SELECT coalesce(max(version), 0) FROM rankings WHERE prompt_id = ? AND labeler_id = ?");
  previous.bind(1, submission.prompt_id).bind(2, submission.labeler_id);
  previous.step();
  int version = static_cast<int>(previous.column_int(0)) + 1;
  db_.prepare(
         "UPDATE rankings SET is_current = 0 WHERE prompt_id = ? AND labeler_id = ? AND "
         "is_current = 1")
      .bind(1, submission.prompt_id)
      .bind(2, submission.labeler_id)
      .run();
  Statement insert = db_.prepare(
      "INSERT INTO rankings (prompt_id, labeler_id, version, is_current, status, comment, "
      "seconds_spent, strength) VALUES (?, ?, ?, 1, ?, ?, ?, ?)");
  insert.bind(1, submission.prompt_id).bind(2, submission.labeler_id).bind(3, version);
  insert.bind(4, status);
  if (submission.comment.empty())
    insert.bind_null(5);
  else
    insert.bind(5, submission.comment);
  insert.bind(6, submission.seconds_spent);
  if (submission.strength)
    insert.bind(7, *submission.strength);
  else
    insert.bind_null(7);
  insert.run();
  int64_t ranking_id = db_.last_insert_rowid();
  insert_flags(ranking_id, submission.flags);
  // The order the cards were shown in, when load_prompt could not store it (the lock was held):
  // the agreement's position bias reads it. A stored order stays as it is.
  std::vector<int64_t> completion_ids;
  Statement completions = db_.prepare("SELECT id FROM completions WHERE prompt_id = ? ORDER BY id");
  completions.bind(1, submission.prompt_id);
  while (completions.step()) completion_ids.push_back(completions.column_int(0));
  store_card_order(db_, submission.prompt_id, submission.labeler_id,
                   shuffled(submission.prompt_id, submission.labeler_id, completion_ids));
  return ranking_id;
}

void LabelStore::insert_flags(int64_t ranking_id, const std::vector<RankingFlag>& flags) {
  // The caller holds the transaction. `IS` matches two NULLs: one whole-set flag of a kind.
  Statement insert = db_.prepare(
      "INSERT INTO ranking_flags (ranking_id, completion_id, flag) SELECT ?1, ?2, ?3 WHERE NOT "
      "EXISTS (SELECT 1 FROM ranking_flags WHERE ranking_id = ?1 AND completion_id IS ?2 AND "
      "flag = ?3)");
  for (const RankingFlag& f : flags) {
    if (f.flag.empty()) throw DbError("ranking flags: a flag is empty");
    insert.bind(1, ranking_id).bind(2, f.completion_id).bind(3, f.flag).run();
  }
}

void LabelStore::require_current(int64_t ranking_id, const char* what) {
  Statement select = db_.prepare("SELECT 1 FROM rankings WHERE id = ? AND is_current = 1");
  select.bind(1, ranking_id);
  if (!select.step())
    throw DbError(std::string(what) + ": ranking " + std::to_string(ranking_id) +
                  " is not a current ranking");
}

int64_t LabelStore::submit_ranking(const RankingSubmission& submission) {
  Transaction transaction(db_);
  std::set<int64_t> expected;
  Statement completions = db_.prepare("SELECT id FROM completions WHERE prompt_id = ?");
  completions.bind(1, submission.prompt_id);
  while (completions.step()) expected.insert(completions.column_int(0));
  if (expected.size() < 2)
    throw DbError("ranking of prompt " + std::to_string(submission.prompt_id) +
                  ": the prompt has fewer than two completions");
  std::set<int64_t> seen;
  for (const auto& [completion_id, rank] : submission.ranks) {
    if (!expected.count(completion_id))
      throw DbError("ranking of prompt " + std::to_string(submission.prompt_id) + ": completion " +
                    std::to_string(completion_id) + " is not one of its completions");
    if (!seen.insert(completion_id).second)
      throw DbError("ranking: completion " + std::to_string(completion_id) + " is ranked twice");
    if (rank < 0) throw DbError("ranking: rank " + std::to_string(rank) + " is negative");
  }
  if (seen.size() != expected.size())
    throw DbError("ranking of prompt " + std::to_string(submission.prompt_id) + ": " +
                  std::to_string(seen.size()) + " of " + std::to_string(expected.size()) +
                  " completions ranked");
  if (submission.strength && (*submission.strength < 1 || *submission.strength > 3))
    throw DbError("ranking: strength " + std::to_string(*submission.strength) + " is outside 1..3");
  int64_t ranking_id = insert_version(submission, "ranked");
  Statement entry =
      db_.prepare("INSERT INTO ranking_entries (ranking_id, completion_id, rank) VALUES (?, ?, ?)");
  for (const auto& [completion_id, rank] : submission.ranks)
    entry.bind(1, ranking_id).bind(2, completion_id).bind(3, rank).run();
  transaction.commit();
  return ranking_id;
}

int64_t LabelStore::skip(const RankingSubmission& submission) {
  return insert_unranked(submission, "skipped");
}

int64_t LabelStore::mark_all_bad(const RankingSubmission& submission) {
  return insert_unranked(submission, "all_bad");
}

int64_t LabelStore::insert_unranked(const RankingSubmission& submission, const char* status) {
  Transaction transaction(db_);
  RankingSubmission unranked = submission;  // flags and comment kept; no order, no strength
  unranked.ranks.clear();
  unranked.strength.reset();
  int64_t id = insert_version(unranked, status);
  transaction.commit();
  return id;
}

void LabelStore::add_flag(int64_t ranking_id, const RankingFlag& flag) {
  if (flag.flag.empty()) throw DbError("flag: the flag is empty");
  Transaction transaction(db_);
  require_current(ranking_id, "flag");
  insert_flags(ranking_id, {flag});
  transaction.commit();
}

void LabelStore::set_flags(int64_t ranking_id, const std::vector<RankingFlag>& flags) {
  Transaction transaction(db_);
  require_current(ranking_id, "flags");
  db_.prepare("DELETE FROM ranking_flags WHERE ranking_id = ?").bind(1, ranking_id).run();
  insert_flags(ranking_id, flags);
  transaction.commit();
}

void LabelStore::set_comment(int64_t ranking_id, const std::string& comment) {
  Transaction transaction(db_);
  Statement update = db_.prepare("UPDATE rankings SET comment = ? WHERE id = ? AND is_current = 1");
  if (comment.empty())
    update.bind_null(1);
  else
    update.bind(1, comment);
  update.bind(2, ranking_id).run();
  if (db_.changes() != 1)
    throw DbError("comment: ranking " + std::to_string(ranking_id) + " is not a current ranking");
  transaction.commit();
}

int64_t LabelStore::undo_submit(int64_t ranking_id) {
  Transaction transaction(db_);
  Statement select =
      db_.prepare("SELECT prompt_id, labeler_id, is_current FROM rankings WHERE id = ?");
  select.bind(1, ranking_id);
  if (!select.step()) throw DbError("undo: ranking " + std::to_string(ranking_id) + " is gone");
  int64_t prompt_id = select.column_int(0), labeler_id = select.column_int(1);
  if (select.column_int(2) != 1)
    throw DbError("undo: ranking " + std::to_string(ranking_id) +
                  " is no longer current (it was changed since)");
  db_.prepare("DELETE FROM rankings WHERE id = ?").bind(1, ranking_id).run();
  db_.prepare(
         "UPDATE rankings SET is_current = 1 WHERE id = (SELECT id FROM rankings WHERE prompt_id "
         "= ? AND labeler_id = ? ORDER BY version DESC LIMIT 1)")
      .bind(1, prompt_id)
      .bind(2, labeler_id)
      .run();
  transaction.commit();
  return prompt_id;
}

RankingRecord LabelStore::ranking(int64_t ranking_id) {
  Statement select = db_.prepare(
      "SELECT prompt_id, labeler_id, version, is_current, status, coalesce(comment, ''), "
      "coalesce(seconds_spent, 0), strength, created_at FROM rankings WHERE id = ?");
  select.bind(1, ranking_id);
  if (!select.step()) throw DbError("ranking " + std::to_string(ranking_id) + " does not exist");
  RankingRecord record;
  record.id = ranking_id;
  record.prompt_id = select.column_int(0);
  record.labeler_id = select.column_int(1);
  record.version = static_cast<int>(select.column_int(2));
  record.is_current = select.column_int(3) == 1;
  record.status = select.column_text(4);
  record.comment = select.column_text(5);
  record.seconds_spent = select.column_double(6);
  record.strength = optional_int(select, 7);
  record.created_at = select.column_text(8);
  Statement entries = db_.prepare(
      "SELECT completion_id, rank FROM ranking_entries WHERE ranking_id = ? ORDER BY rank, "
      "completion_id");
  entries.bind(1, ranking_id);
  while (entries.step())
    record.ranks.emplace_back(entries.column_int(0), static_cast<int>(entries.column_int(1)));
  Statement flags = db_.prepare(
      "SELECT completion_id, flag FROM ranking_flags WHERE ranking_id = ? ORDER BY rowid");
  flags.bind(1, ranking_id);
  while (flags.step()) {
    RankingFlag flag;
    if (!flags.column_is_null(0)) flag.completion_id = flags.column_int(0);
    flag.flag = flags.column_text(1);
    record.flags.push_back(flag);
  }
  return record;
}

std::optional<RankingRecord> LabelStore::version_before(int64_t ranking_id) {
  Statement select = db_.prepare(
      "SELECT o.id FROM rankings r JOIN rankings o ON o.prompt_id = r.prompt_id AND "
      "o.labeler_id = r.labeler_id AND o.id != r.id WHERE r.id = ? ORDER BY o.version DESC "
      "LIMIT 1");
  select.bind(1, ranking_id);
  if (!select.step()) return std::nullopt;
  return ranking(select.column_int(0));
}

std::optional<RankingRecord> LabelStore::current_ranking(int64_t prompt_id, int64_t labeler_id) {
  Statement select = db_.prepare(
      "SELECT id FROM rankings WHERE prompt_id = ? AND labeler_id = ? AND is_current = 1");
  select.bind(1, prompt_id).bind(2, labeler_id);
  if (!select.step()) return std::nullopt;
  return ranking(select.column_int(0));
}

std::vector<HistoryEntry> LabelStore::history(int64_t labeler_id, int limit) {
  // rankings_by_labeler_time (schema v3) serves this newest-first walk without a sort.
  Statement select = db_.prepare(
      "SELECT r.id, r.prompt_id, r.version, r.status, r.created_at, substr(p.text, 1, 80) "
      "FROM rankings r JOIN prompts p ON p.id = r.prompt_id "
      "WHERE r.labeler_id = ? AND r.is_current = 1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?");
  select.bind(1, labeler_id).bind(2, limit);
  std::vector<HistoryEntry> entries;
  while (select.step()) {
    HistoryEntry entry;
    entry.ranking_id = select.column_int(0);
    entry.prompt_id = select.column_int(1);
    entry.version = static_cast<int>(select.column_int(2));
    entry.status = select.column_text(3);
    entry.created_at = select.column_text(4);
    entry.prompt_preview = select.column_text(5);
    entries.push_back(entry);
  }
  return entries;
}

std::vector<int64_t> LabelStore::card_order(int64_t prompt_id, int64_t labeler_id,
                                            const std::vector<int64_t>& completion_ids) {
  Statement select =
      db_.prepare("SELECT order_json FROM card_orders WHERE prompt_id = ? AND labeler_id = ?");
  select.bind(1, prompt_id).bind(2, labeler_id);
  std::vector<int64_t> order;
  if (select.step()) {
    order = parse_ids(select.column_text(0), "card_orders of prompt " + std::to_string(prompt_id));
    // Completions deleted since are dropped; completions added since go last, in id order.
    std::set<int64_t> present(completion_ids.begin(), completion_ids.end());
    order.erase(
        std::remove_if(order.begin(), order.end(), [&](int64_t id) { return !present.count(id); }),
        order.end());
    std::set<int64_t> listed(order.begin(), order.end());
    for (int64_t id : completion_ids)
      if (!listed.count(id)) order.push_back(id);
    return order;
  }
  order = shuffled(prompt_id, labeler_id, completion_ids);
  // The shuffle is the same on every view until completions are added, so storing it can wait:
  // while another program holds the write lock (an import), the prompt is shown at once and the
  // order is stored with the labeler's answer (insert_version), or at the next view.
  try {
    ScopedBusyTimeout no_wait(db_, 0);
    Transaction transaction(db_);
    store_card_order(db_, prompt_id, labeler_id, order);
    transaction.commit();
  } catch (const DbError& error) {
    if (!error.busy()) throw;
  }
  return order;
}

PromptForLabeling LabelStore::load_prompt(int64_t prompt_id, int64_t labeler_id) {
  PromptForLabeling prompt;
  prompt.prompt_id = prompt_id;
  Statement text = db_.prepare("SELECT text FROM prompts WHERE id = ?");
  text.bind(1, prompt_id);
  if (!text.step()) throw DbError("prompt " + std::to_string(prompt_id) + " does not exist");
  prompt.prompt_text = text.column_text(0);
  std::map<int64_t, std::string> texts;
  std::vector<int64_t> ids;
  Statement completions =
      db_.prepare("SELECT id, text FROM completions WHERE prompt_id = ? ORDER BY id");
  completions.bind(1, prompt_id);
  while (completions.step()) {
    ids.push_back(completions.column_int(0));
    texts[ids.back()] = completions.column_text(1);
  }
  for (int64_t id : card_order(prompt_id, labeler_id, ids)) prompt.cards.push_back({id, texts[id]});
  if (settings().show_suggestions) {
    Statement suggestions = db_.prepare(
        "SELECT source, ranking_json FROM suggested_rankings WHERE prompt_id = ? ORDER BY source");
    suggestions.bind(1, prompt_id);
    while (suggestions.step())
      prompt.suggestions.push_back(
          {suggestions.column_text(0),
           parse_ids(suggestions.column_text(1),
                     "suggested_rankings of prompt " + std::to_string(prompt_id))});
  }
  prompt.current = current_ranking(prompt_id, labeler_id);
  return prompt;
}

ProjectSettings LabelStore::settings() {
  ProjectSettings settings;
  Statement select = db_.prepare("SELECT key, value FROM project_settings");
  while (select.step()) {
    std::string key = select.column_text(0), value = select.column_text(1);
    try {
      if (key == "guidelines")
        settings.guidelines = value;
      else if (key == "queue_order")
        settings.queue_order = value;
      else if (key == "queue_seed")
        settings.queue_seed = std::stoll(value);
      else if (key == "overlap")
        settings.overlap = std::stoi(value);
      else if (key == "queue_score_source")
        settings.queue_score_source = value;
      else if (key == "show_suggestions")
        settings.show_suggestions = value == "1";
      else if (key == "show_raw_text")
        settings.show_raw_text = value == "1";
      else if (key == "flags")
        settings.custom_flags = nlohmann::json::parse(value).get<std::vector<std::string>>();
    } catch (const std::exception& error) {
      throw DbError("project_settings: the value of '" + key + "' is invalid: " + error.what());
    }
  }
  if (settings.queue_order != "as_imported" && settings.queue_order != "random" &&
      settings.queue_order != "low_margin")
    throw DbError("project_settings: queue_order '" + settings.queue_order +
                  "' is not as_imported, random or low_margin");
  return settings;
}

void LabelStore::save_settings(const ProjectSettings& settings) {
  if (settings.overlap < 0) throw DbError("project_settings: overlap is negative");
  if (settings.queue_order != "as_imported" && settings.queue_order != "random" &&
      settings.queue_order != "low_margin")
    throw DbError("project_settings: queue_order '" + settings.queue_order +
                  "' is not as_imported, random or low_margin");
  Transaction transaction(db_);
  Statement upsert = db_.prepare(
      "INSERT INTO project_settings (key, value) VALUES (?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  upsert.bind(1, "guidelines").bind(2, settings.guidelines).run();
  upsert.bind(1, "queue_order").bind(2, settings.queue_order).run();
  upsert.bind(1, "queue_seed").bind(2, std::to_string(settings.queue_seed)).run();
  upsert.bind(1, "overlap").bind(2, std::to_string(settings.overlap)).run();
  upsert.bind(1, "show_suggestions").bind(2, settings.show_suggestions ? "1" : "0").run();
  upsert.bind(1, "show_raw_text").bind(2, settings.show_raw_text ? "1" : "0").run();
  upsert.bind(1, "flags").bind(2, nlohmann::json(settings.custom_flags).dump()).run();
  upsert.bind(1, "queue_score_source").bind(2, settings.queue_score_source).run();
  transaction.commit();
}

}  // namespace prefstudio::db
