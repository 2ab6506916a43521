// RunBrowser and send_sample_to_queue (see run_browser.h). Metric reads list a run's metric names
// by a loose index scan of run_metrics' primary key (the next name after the last one, one SEARCH
// each), then read each name's points by (run_id, name, step) range: a poll costs the names plus
// the new points, however long the run. Other tables hold a few rows per run and are read plainly.
#include "db/run_browser.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "db/completion_store.h"
#include "db/utf8.h"

namespace prefstudio::db {

namespace {

// The distinct metric names of run ?1, as rows of `names(n)`, by the primary key alone.
constexpr const char* kMetricNames =
    "WITH RECURSIVE names(n) AS (SELECT min(name) FROM run_metrics WHERE run_id = ?1 UNION ALL "
    "SELECT (SELECT min(name) FROM run_metrics WHERE run_id = ?1 AND name > n) FROM names WHERE "
    "n IS NOT NULL) ";

constexpr const char* kRunColumns =
    "SELECT id, kind, name, status, config, message, pid, heartbeat_at, parent_run_id, "
    "started_at, finished_at, (julianday('now') - julianday(heartbeat_at)) * 86400.0 FROM runs ";

std::string text_or_empty(const Statement& statement, int column) {
  return statement.column_is_null(column) ? "" : statement.column_text(column);
}

RunListRow run_list_row(const Statement& select) {
  RunListRow row;
  RunRow& run = row.run;
  run.id = select.column_int(0);
  run.kind = select.column_text(1);
  run.name = text_or_empty(select, 2);
  run.status = select.column_text(3);
  run.config = select.column_text(4);
  run.message = text_or_empty(select, 5);
  if (!select.column_is_null(6)) run.pid = select.column_int(6);
  run.heartbeat_at = text_or_empty(select, 7);
  if (!select.column_is_null(8)) run.parent_run_id = select.column_int(8);
  row.started_at = select.column_text(9);
  row.finished_at = text_or_empty(select, 10);
  if (!select.column_is_null(11)) row.heartbeat_age_s = select.column_double(11);
  return row;
}

CheckpointRow checkpoint_row(const Statement& select) {
  CheckpointRow row;
  row.id = select.column_int(0);
  if (!select.column_is_null(1)) row.run_id = select.column_int(1);
  row.step = select.column_int(2);
  row.path = select.column_text(3);
  row.content_hash = text_or_empty(select, 4);
  row.created_at = select.column_text(5);
  return row;
}

std::vector<CheckpointRow> read_checkpoints(Statement& select) {
  std::vector<CheckpointRow> rows;
  while (select.step()) rows.push_back(checkpoint_row(select));
  return rows;
}

std::vector<std::string> read_texts(Statement& select) {
  std::vector<std::string> texts;
  while (select.step()) texts.push_back(select.column_text(0));
  return texts;
}

}  // namespace

RunBrowser::RunBrowser(Database& db) : db_(db) {}

std::vector<RunListRow> RunBrowser::read_runs(Statement& select) {
  std::vector<RunListRow> rows;
  while (select.step()) rows.push_back(run_list_row(select));
  // Each metric's latest point by the primary key, never a pass over all of the run's points.
  Statement progress = db_.prepare(
      std::string(kMetricNames) +
      "SELECT m.step, m.wall_time FROM names JOIN run_metrics m ON m.run_id = ?1 AND m.name = n "
      "AND m.step = (SELECT max(step) FROM run_metrics WHERE run_id = ?1 AND name = n) "
      "WHERE n IS NOT NULL");
  for (RunListRow& row : rows) {
    progress.bind(1, row.run.id);
    while (progress.step()) {
      row.last_step = std::max(row.last_step, progress.column_int(0));
      row.last_wall_time = std::max(row.last_wall_time, progress.column_double(1));
    }
    progress.reset();
  }
  return rows;
}

std::vector<RunListRow> RunBrowser::runs(const std::string& kind) {
  Statement select = db_.prepare(std::string(kRunColumns) +
                                 (kind.empty() ? "" : "WHERE kind = ? ") + "ORDER BY id");
  if (!kind.empty()) select.bind(1, kind);
  return read_runs(select);
}

std::optional<RunListRow> RunBrowser::run(int64_t run_id) {
  Statement select = db_.prepare(std::string(kRunColumns) + "WHERE id = ?");
  select.bind(1, run_id);
  std::vector<RunListRow> rows = read_runs(select);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<std::string> RunBrowser::metric_names(int64_t run_id) {
  Statement select =
      db_.prepare(std::string(kMetricNames) + "SELECT n FROM names WHERE n IS NOT NULL ORDER BY n");
  select.bind(1, run_id);
  return read_texts(select);
}

std::vector<MetricPoint> RunBrowser::metrics_from(int64_t run_id, int64_t from_step) {
  Statement select = db_.prepare(
      std::string(kMetricNames) +
      "SELECT m.name, m.step, m.value, m.wall_time FROM names JOIN run_metrics m ON m.run_id = ?1 "
      "AND m.name = n AND m.step >= ?2 WHERE n IS NOT NULL ORDER BY m.name, m.step");
  select.bind(1, run_id).bind(2, from_step);
  std::vector<MetricPoint> points;
  while (select.step()) {
    MetricPoint point;
    point.name = select.column_text(0);
    point.step = select.column_int(1);
    // NULL: RunStore stored a NaN or inf (SQLite has no NaN); plotted as a gap.
    point.value = select.column_is_null(2) ? std::numeric_limits<double>::quiet_NaN()
                                           : select.column_double(2);
    point.wall_time = select.column_double(3);
    points.push_back(std::move(point));
  }
  return points;
}

std::vector<RunEvent> RunBrowser::events(int64_t run_id, int64_t from_step) {
  Statement select = db_.prepare(
      "SELECT step, kind, message, at FROM run_events WHERE run_id = ? AND step >= ? "
      "ORDER BY step, rowid");
  select.bind(1, run_id).bind(2, from_step);
  std::vector<RunEvent> events;
  while (select.step())
    events.push_back({select.column_int(0), select.column_text(1), select.column_text(2),
                      select.column_text(3)});
  return events;
}

std::vector<CheckpointRow> RunBrowser::checkpoints(int64_t run_id) {
  Statement select = db_.prepare(
      "SELECT id, run_id, step, path, content_hash, created_at FROM checkpoints WHERE run_id = ? "
      "ORDER BY step, id");
  select.bind(1, run_id);
  return read_checkpoints(select);
}

std::vector<CheckpointRow> RunBrowser::all_checkpoints() {
  // created_at has millisecond resolution: the id orders checkpoints written within one.
  Statement select = db_.prepare(
      "SELECT id, run_id, step, path, content_hash, created_at FROM checkpoints "
      "ORDER BY created_at DESC, id DESC");
  return read_checkpoints(select);
}

std::vector<std::string> RunBrowser::evaluation_kinds(int64_t run_id) {
  Statement select =
      db_.prepare("SELECT DISTINCT kind FROM run_evaluations WHERE run_id = ? ORDER BY kind");
  select.bind(1, run_id);
  return read_texts(select);
}

std::vector<RunBrowser::LatestEvaluation> RunBrowser::latest_evaluations(const std::string& kind) {
  Statement select = db_.prepare(
      "SELECT e.run_id, e.step, e.report FROM run_evaluations e WHERE e.kind = ?1 AND e.step = "
      "(SELECT max(step) FROM run_evaluations WHERE run_id = e.run_id AND kind = ?1) "
      "ORDER BY e.run_id");
  select.bind(1, kind);
  std::vector<LatestEvaluation> latest;
  while (select.step())
    latest.push_back({select.column_int(0), select.column_int(1), select.column_text(2)});
  return latest;
}

namespace {

struct StoredSample {
  std::optional<int64_t> prompt_id;
  int64_t step = 0;
  std::string completion, finish_reason, run_label;
};

// The sample with its run's kind and name, or DbError naming both.
StoredSample find_sample(Database& db, int64_t run_id, int64_t sample_id) {
  // A sample stored without a prompt id whose text is exactly a project prompt's (runs written
  // before RunStore linked them) still names its prompt: prompts.text is unique.
  Statement select = db.prepare(
      "SELECT coalesce(s.prompt_id, (SELECT p.id FROM prompts p WHERE p.text = s.prompt)), "
      "s.step, s.completion, s.finish_reason, r.kind, r.name FROM run_samples s JOIN runs r ON "
      "r.id = s.run_id WHERE s.rowid = ? AND s.run_id = ?");
  select.bind(1, sample_id).bind(2, run_id);
  const std::string what = "run " + std::to_string(run_id) + " sample " + std::to_string(sample_id);
  if (!select.step()) throw DbError(db.path() + ": " + what + " does not exist");
  if (select.column_is_null(0))
    throw DbError(db.path() + ": " + what +
                  " has no project prompt (its prompt is not one of the project's), so it "
                  "cannot go to the labeling queue");
  StoredSample sample;
  sample.prompt_id = select.column_int(0);
  sample.step = select.column_int(1);
  sample.completion = to_valid_utf8(select.column_text(2));
  sample.finish_reason = text_or_empty(select, 3);
  std::string name = text_or_empty(select, 5);
  sample.run_label = "run " + std::to_string(run_id) + " (" + select.column_text(4) +
                     (name.empty() ? "" : " " + name) + ") step " + std::to_string(sample.step);
  return sample;
}

// The models row standing for a run's policy at one step: no content hash, found by its name.
int64_t run_step_model(Database& db, const std::string& label) {
  Statement find = db.prepare(
      "SELECT id FROM models WHERE name = ? AND content_hash IS NULL AND path IS NULL "
      "ORDER BY id LIMIT 1");
  find.bind(1, label);
  if (find.step()) return find.column_int(0);
  db.prepare("INSERT INTO models (name) VALUES (?)").bind(1, label).run();
  return db.last_insert_rowid();
}

}  // namespace

int64_t send_sample_to_queue(Database& db, int64_t run_id, int64_t sample_id, bool* created) {
  if (created) *created = false;
  Transaction transaction(db);
  const StoredSample sample = find_sample(db, run_id, sample_id);
  const int64_t prompt_id = *sample.prompt_id;
  // Already a completion of the prompt (sent before, or sampled alike): nothing to write.
  Statement existing = db.prepare("SELECT id FROM completions WHERE prompt_id = ? AND text = ?");
  existing.bind(1, prompt_id).bind(2, sample.completion);
  if (existing.step()) return existing.column_int(0);
  const std::string sampling =
      nlohmann::json{{"run_id", run_id}, {"step", sample.step}, {"sample_id", sample_id}}.dump();
  const int64_t model_id = run_step_model(db, sample.run_label);
  if (!CompletionStore(db).add_completion(prompt_id, sample.completion, model_id, sampling,
                                          sample.finish_reason))
    throw DbError(db.path() + ": run " + std::to_string(run_id) + " sample " +
                  std::to_string(sample_id) + ": its completion was not stored");
  const int64_t id = db.last_insert_rowid();
  transaction.commit();
  if (created) *created = true;
  return id;
}

}  // namespace prefstudio::db
