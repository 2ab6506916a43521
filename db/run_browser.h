// RunBrowser: the read side of training runs for the GUI's Training tab: the runs list with each
// run's liveness (heartbeat age by SQLite's clock) and progress, a live run's new metric points,
// events, checkpoints and evaluation reports. RunStore (run_store.h) writes them; this only reads.
// Metric reads walk the run_metrics primary key (run_id, name, step) one metric name at a time, so
// a viewer polling a run with a million points reads only what is new. Also send_sample_to_queue:
// a run's sampled completion becomes a completion of its prompt for the next round of labels.
// Borrows a Database (one connection per thread). Every failure throws DbError naming the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/run_store.h"

namespace prefstudio::db {

struct RunListRow {
  RunRow run;                             // as RunStore::run() gives it
  std::string started_at, finished_at;    // UTC text as stored; finished_at "" while running
  std::optional<double> heartbeat_age_s;  // seconds since heartbeat_at, by SQLite's clock
                                          // (julianday('now')); empty without a heartbeat
  int64_t last_step = -1;                 // highest step in run_metrics, -1 when none
  // Seconds since run start: the largest wall_time among each metric's latest point (the largest
  // of all while wall time grows with the step, as a trainer writes it); 0 without metrics.
  double last_wall_time = 0.0;
};

struct RunEvent {
  int64_t step = 0;
  std::string kind, message, at;  // at: UTC text as stored
};

struct CheckpointRow {
  int64_t id = 0;
  std::optional<int64_t> run_id;  // empty once its run was deleted
  int64_t step = 0;
  std::string path, content_hash, created_at;  // content_hash "" when unknown
};

class RunBrowser {
 public:
  explicit RunBrowser(Database& db);

  // All runs ("" = every kind), by id.
  std::vector<RunListRow> runs(const std::string& kind = "");
  std::optional<RunListRow> run(int64_t run_id);
  // The names of the run's metrics, sorted.
  std::vector<std::string> metric_names(int64_t run_id);
  // Every point of every metric of the run with step >= from_step, ordered by name then step; a
  // value stored as NULL (NaN or inf when written) comes back as a quiet NaN. A viewer polling a
  // live run passes the last step it already has (not +1): a step can gain values after it was
  // first read (an evaluation at the same step comes later).
  std::vector<MetricPoint> metrics_from(int64_t run_id, int64_t from_step);
  // Events with step >= from_step, by step then insertion order.
  std::vector<RunEvent> events(int64_t run_id, int64_t from_step = 0);
  // The run's checkpoints, by step (then id).
  std::vector<CheckpointRow> checkpoints(int64_t run_id);
  // Every run's checkpoints (and those whose run is gone), newest first.
  std::vector<CheckpointRow> all_checkpoints();
  // The kinds of evaluation report the run has, sorted.
  std::vector<std::string> evaluation_kinds(int64_t run_id);

  // The latest report of `kind` for each run that has one: (run_id, step, report JSON).
  struct LatestEvaluation {
    int64_t run_id = 0;
    int64_t step = 0;
    std::string report;
  };
  // One per run, by run id; the latest is the one with the highest step.
  std::vector<LatestEvaluation> latest_evaluations(const std::string& kind);

 private:
  Database& db_;
  // The rows of a prepared kRunColumns query, each with its last step and wall time.
  std::vector<RunListRow> read_runs(Statement& select);
};

// Sends one stored run sample to the labeling queue: its completion text becomes a new completion
// of its prompt (so the next round of labels comes from the current policy), in one transaction,
// through CompletionStore::add_completion like the generate command's. The completion's model is a
// models row named "run <id> (<kind> <name>) step <n>" (no hash, one per run and step), its
// sampling JSON {"run_id", "step", "sample_id"}, its finish_reason the sample's. Returns the new
// completion id. DbError naming the run and sample when the sample does not exist (in that run) or
// has no project prompt (prompt_id NULL); if that prompt already has a completion with exactly this
// text, returns that completion's id and inserts nothing. Labelers whose current ranking of the
// prompt lacks the new completion get the prompt again (label_queue.h).
// *created (when given) says whether a completion was added.
int64_t send_sample_to_queue(Database& db, int64_t run_id, int64_t sample_id,
                             bool* created = nullptr);

}  // namespace prefstudio::db
