// Training runs in the project store: the runs row with its whole JSON config and heartbeat,
// metrics as they happen, events, evaluation reports, sampled completions, checkpoints, and the
// models table (one row per content hash). No torch, no Qt; DPO's cache is in reference_cache.h.
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
  std::string kind;  // sft | reward | dpo | ppo | rloo | grpo
  std::string name;
  std::string status;  // running | finished | failed | stopped
  std::string config;  // JSON text
  std::string message;
  std::optional<int64_t> pid;            // the process that last sent a heartbeat
  std::string heartbeat_at;              // its time, UTC text; "" before the first heartbeat
  std::optional<int64_t> parent_run_id;  // e.g. the reward run a PPO run trains against
};

// One evaluation report of a run at a step, e.g. kind "reward_calibration" or "policy".
struct RunEvaluation {
  int64_t step = 0;
  std::string report;  // JSON text as the trainer wrote it
};

// One completion a policy sampled during a run, with what the trainer made of it.
// reward, kl and true_score are empty where not computed; true_score is the task's own score where
// it has one (e.g. the demo's sorting check).
struct RunSample {
  int64_t id = 0;    // the run_samples rowid (filled by samples(), else ignored)
  int64_t step = 0;  // filled by samples(); add_samples takes the step separately
  // Empty: not a project prompt (or since deleted). add_samples fills it in when empty and the
  // prompt is exactly a project prompt's text.
  std::optional<int64_t> prompt_id;
  std::string prompt, completion;
  std::string finish_reason;  // "eos", "length" or "" (unknown)
  std::optional<double> reward, kl, true_score;
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
  // `parent_run_id`: the run this one builds on (e.g. a policy run's reward model run).
  int64_t create_run(const std::string& kind, const std::string& name,
                     const std::string& config_json,
                     std::optional<int64_t> parent_run_id = std::nullopt);
  // Sets pid and heartbeat_at = now; a running process calls it every few seconds so the GUI can
  // tell a live run from one whose process is gone. DbError if there is no such run.
  void heartbeat(int64_t run_id, int64_t pid);
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

  // A (run, kind, step) written twice keeps the last report.
  void add_evaluation(int64_t run_id, int64_t step, const std::string& kind,
                      const std::string& json_text);
  // One transaction. A sample's step field is ignored: all get `step`. A sample without prompt_id
  // whose prompt text is exactly a project prompt's gets that prompt's id. NaN and inf are stored
  // as NULL (read back empty); a finish_reason other than eos, length or "" is a DbError.
  void add_samples(int64_t run_id, int64_t step, const std::vector<RunSample>& samples);

  std::optional<RunRow> run(int64_t run_id);
  // The run that wrote the checkpoint at `path` (as stored: absolute), the latest if several.
  std::optional<int64_t> run_of_checkpoint(const std::string& path);
  // Every point of one metric, by step.
  std::vector<MetricPoint> metrics(int64_t run_id, const std::string& name);
  // One kind's reports, by step.
  std::vector<RunEvaluation> evaluations(int64_t run_id, const std::string& kind);
  // The samples of steps after `after_step` (all by default), by step then in the order added, each
  // with its id (send_sample_to_queue in run_browser.h names one by it): a viewer polling a live
  // run passes the last step it has.
  std::vector<RunSample> samples(int64_t run_id, int64_t after_step = -1);

 private:
  Database& db_;
};

}  // namespace prefstudio::db
