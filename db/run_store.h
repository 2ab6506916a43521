// Training runs in the project store: the runs row with its whole JSON config, metrics as they
// happen, events, checkpoints, and the models table (one row per content hash). No torch, no Qt.
// A RunStore borrows a Database (one connection per thread: use it on the thread that owns the
// Database). Every failure throws DbError naming the file; nothing half-written is left behind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

struct RunRow {
  int64_t id = 0;
  std::string kind;  // sft | reward | ppo | dpo
  std::string name;
  std::string status;  // running | finished | failed | stopped
  std::string config;  // JSON text
  std::string message;
};

struct MetricPoint {
  int64_t step = 0;
  std::string name;
  double value = 0.0;
  double wall_time = 0.0;
};

class RunStore {
 public:
  explicit RunStore(Database& db) : db_(db) {}

  // Inserts a runs row in status 'running'; `config_json` is stored as given (the caller's JSON).
  int64_t create_run(const std::string& kind, const std::string& name,
                     const std::string& config_json);
  // All values of one step in one transaction. A (run, name, step) written twice keeps the last
  // value. `wall_time` is seconds since the run started. NaN and inf are stored as NULL.
  void append_metrics(int64_t run_id, int64_t step,
                      const std::vector<std::pair<std::string, double>>& values, double wall_time);
  void add_event(int64_t run_id, int64_t step, const std::string& kind, const std::string& message);
  // Returns the checkpoints row id.
  int64_t add_checkpoint(int64_t run_id, int64_t step, const std::string& path,
                         const std::string& content_hash);
  // status: finished | failed | stopped (DbError for anything else); sets finished_at.
  void finish_run(int64_t run_id, const std::string& status, const std::string& message = "");
  // The models row with this content hash, inserted if new (name and path then updated to the
  // latest). An empty hash always inserts a new row. Returns the id.
  int64_t register_model(const std::string& name, const std::string& content_hash,
                         const std::string& path);

  std::optional<RunRow> run(int64_t run_id);
  // Every point of one metric, by step.
  std::vector<MetricPoint> metrics(int64_t run_id, const std::string& name);

 private:
  Database& db_;
};

}  // namespace prefstudio::db
