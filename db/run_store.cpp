// Runs, heartbeats, metrics, events, evaluations, samples, checkpoints and models rows (see
// run_store.h and schema.cpp).
#include "db/run_store.h"

#include <cmath>

namespace prefstudio::db {

int64_t RunStore::create_run(const std::string& kind, const std::string& name,
                             const std::string& config_json, std::optional<int64_t> parent_run_id) {
  Statement insert =
      db_.prepare("INSERT INTO runs (kind, name, config, parent_run_id) VALUES (?, ?, ?, ?)");
  insert.bind(1, kind).bind(2, name).bind(3, config_json).bind(4, parent_run_id).run();
  return db_.last_insert_rowid();
}

void RunStore::heartbeat(int64_t run_id, int64_t pid) {
  db_.prepare(
         "UPDATE runs SET pid = ?, heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
         "WHERE id = ?")
      .bind(1, pid)
      .bind(2, run_id)
      .run();
  if (db_.changes() == 0) throw DbError(db_.path() + ": no run with id " + std::to_string(run_id));
}

void RunStore::append_metrics(int64_t run_id, int64_t step,
                              const std::vector<std::pair<std::string, double>>& values,
                              double wall_time) {
  if (values.empty()) return;
  Transaction transaction(db_);
  Statement insert = db_.prepare(
      "INSERT OR REPLACE INTO run_metrics (run_id, step, name, value, wall_time) "
      "VALUES (?, ?, ?, ?, ?)");
  for (const auto& [name, value] : values) {
    insert.bind(1, run_id).bind(2, step).bind(3, name);
    // SQLite has no NaN: a diverged loss is stored as NULL, which plots as a gap.
    if (std::isfinite(value))
      insert.bind(4, value);
    else
      insert.bind_null(4);
    insert.bind(5, wall_time).run();
  }
  transaction.commit();
}

void RunStore::add_event(int64_t run_id, int64_t step, const std::string& kind,
                         const std::string& message) {
  db_.prepare("INSERT INTO run_events (run_id, step, kind, message) VALUES (?, ?, ?, ?)")
      .bind(1, run_id)
      .bind(2, step)
      .bind(3, kind)
      .bind(4, message)
      .run();
}

int64_t RunStore::add_checkpoint(int64_t run_id, int64_t step, const std::string& path,
                                 const std::string& content_hash) {
  Statement insert =
      db_.prepare("INSERT INTO checkpoints (run_id, step, path, content_hash) VALUES (?, ?, ?, ?)");
  insert.bind(1, run_id).bind(2, step).bind(3, path);
  if (content_hash.empty())
    insert.bind_null(4);
  else
    insert.bind(4, content_hash);
  insert.run();
  return db_.last_insert_rowid();
}

void RunStore::finish_run(int64_t run_id, const std::string& status, const std::string& message) {
  if (status != "finished" && status != "failed" && status != "stopped")
    throw DbError(db_.path() + ": run status '" + status +
                  "' is not one of finished, failed, stopped");
  Statement update = db_.prepare(
      "UPDATE runs SET status = ?, message = ?, "
      "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?");
  update.bind(1, status);
  if (message.empty())
    update.bind_null(2);
  else
    update.bind(2, message);
  update.bind(3, run_id).run();
  if (db_.changes() == 0) throw DbError(db_.path() + ": no run with id " + std::to_string(run_id));
}

int64_t RunStore::register_model(const std::string& name, const std::string& content_hash,
                                 const std::string& path) {
  Transaction transaction(db_);
  if (!content_hash.empty()) {
    Statement find = db_.prepare("SELECT id FROM models WHERE content_hash = ?");
    find.bind(1, content_hash);
    if (find.step()) {
      int64_t id = find.column_int(0);
      db_.prepare("UPDATE models SET name = ?, path = ? WHERE id = ?")
          .bind(1, name)
          .bind(2, path)
          .bind(3, id)
          .run();
      transaction.commit();
      return id;
    }
  }
  Statement insert = db_.prepare("INSERT INTO models (name, content_hash, path) VALUES (?, ?, ?)");
  insert.bind(1, name);
  if (content_hash.empty())
    insert.bind_null(2);
  else
    insert.bind(2, content_hash);
  insert.bind(3, path).run();
  int64_t id = db_.last_insert_rowid();
  transaction.commit();
  return id;
}

void RunStore::add_evaluation(int64_t run_id, int64_t step, const std::string& kind,
                              const std::string& json_text) {
  db_.prepare(
         "INSERT OR REPLACE INTO run_evaluations (run_id, step, kind, report) VALUES (?, ?, ?, ?)")
      .bind(1, run_id)
      .bind(2, step)
      .bind(3, kind)
      .bind(4, json_text)
      .run();
}

void RunStore::add_samples(int64_t run_id, int64_t step, const std::vector<RunSample>& samples) {
  Transaction transaction(db_);
  // A sample without a prompt id whose prompt is exactly a project prompt's text (prompts.text is
  // unique) is that prompt's: the trainers pass the text only.
  Statement insert = db_.prepare(
      "INSERT INTO run_samples (run_id, step, prompt_id, prompt, completion, finish_reason, "
      "reward, kl, true_score) VALUES (?1, ?2, coalesce(?3, (SELECT id FROM prompts WHERE text = "
      "?4)), ?4, ?5, ?6, ?7, ?8, ?9)");
  for (const RunSample& sample : samples) {
    if (!sample.finish_reason.empty() && sample.finish_reason != "eos" &&
        sample.finish_reason != "length")
      throw DbError(db_.path() + ": run " + std::to_string(run_id) + " sample finish_reason '" +
                    sample.finish_reason + "' is not eos, length or empty");
    insert.bind(1, run_id).bind(2, step).bind(3, sample.prompt_id);
    insert.bind(4, sample.prompt).bind(5, sample.completion);
    if (sample.finish_reason.empty())
      insert.bind_null(6);
    else
      insert.bind(6, sample.finish_reason);
    int column = 7;
    for (const std::optional<double>& value : {sample.reward, sample.kl, sample.true_score}) {
      if (value && std::isfinite(*value))
        insert.bind(column, *value);
      else
        insert.bind_null(column);
      ++column;
    }
    insert.run();
  }
  transaction.commit();
}

std::optional<int64_t> RunStore::run_of_checkpoint(const std::string& path) {
  Statement statement = db_.prepare(
      "SELECT run_id FROM checkpoints WHERE path = ? AND run_id IS NOT NULL ORDER BY id DESC "
      "LIMIT 1");
  statement.bind(1, path);
  if (!statement.step()) return std::nullopt;
  return statement.column_int(0);
}

std::optional<RunRow> RunStore::run(int64_t run_id) {
  Statement select = db_.prepare(
      "SELECT id, kind, name, status, config, message, pid, heartbeat_at, parent_run_id "
      "FROM runs WHERE id = ?");
  select.bind(1, run_id);
  if (!select.step()) return std::nullopt;
  RunRow row;
  row.id = select.column_int(0);
  row.kind = select.column_text(1);
  row.name = select.column_is_null(2) ? "" : select.column_text(2);
  row.status = select.column_text(3);
  row.config = select.column_text(4);
  row.message = select.column_is_null(5) ? "" : select.column_text(5);
  if (!select.column_is_null(6)) row.pid = select.column_int(6);
  row.heartbeat_at = select.column_is_null(7) ? "" : select.column_text(7);
  if (!select.column_is_null(8)) row.parent_run_id = select.column_int(8);
  return row;
}

std::vector<MetricPoint> RunStore::metrics(int64_t run_id, const std::string& name) {
  Statement select = db_.prepare(
      "SELECT step, value, wall_time FROM run_metrics WHERE run_id = ? AND name = ? "
      "ORDER BY step");
  select.bind(1, run_id).bind(2, name);
  std::vector<MetricPoint> points;
  while (select.step()) {
    MetricPoint point;
    point.step = select.column_int(0);
    point.name = name;
    point.value = select.column_is_null(1) ? std::nan("") : select.column_double(1);
    point.wall_time = select.column_double(2);
    points.push_back(point);
  }
  return points;
}

std::vector<RunEvaluation> RunStore::evaluations(int64_t run_id, const std::string& kind) {
  Statement select = db_.prepare(
      "SELECT step, report FROM run_evaluations WHERE run_id = ? AND kind = ? ORDER BY step");
  select.bind(1, run_id).bind(2, kind);
  std::vector<RunEvaluation> reports;
  while (select.step()) reports.push_back({select.column_int(0), select.column_text(1)});
  return reports;
}

std::vector<RunSample> RunStore::samples(int64_t run_id, int64_t after_step) {
  Statement select = db_.prepare(
      "SELECT step, prompt_id, prompt, completion, finish_reason, reward, kl, true_score, rowid "
      "FROM run_samples WHERE run_id = ? AND step > ? ORDER BY step, rowid");
  select.bind(1, run_id).bind(2, after_step);
  auto optional_real = [&](int column) -> std::optional<double> {
    if (select.column_is_null(column)) return std::nullopt;
    return select.column_double(column);
  };
  std::vector<RunSample> samples;
  while (select.step()) {
    RunSample sample;
    sample.step = select.column_int(0);
    if (!select.column_is_null(1)) sample.prompt_id = select.column_int(1);
    sample.prompt = select.column_text(2);
    sample.completion = select.column_text(3);
    sample.finish_reason = select.column_is_null(4) ? "" : select.column_text(4);
    sample.reward = optional_real(5);
    sample.kl = optional_real(6);
    sample.true_score = optional_real(7);
    sample.id = select.column_int(8);
    samples.push_back(std::move(sample));
  }
  return samples;
}

}  // namespace prefstudio::db
