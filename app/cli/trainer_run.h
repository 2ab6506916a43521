// One training run recorded in a project, whatever the trainer: a runs row holding the whole
// config, a heartbeat thread (run_heartbeat.h), metrics, evaluations and checkpoints through
// StoreMetricsSink, Ctrl-C and SIGTERM turned into the trainer's request_stop() (so a final checkpoint is still written), and the row finished as
// finished / stopped / failed. Shared by every `train ...` command and `demo`. Runs on the calling
// thread; rethrows the trainer's error after marking the run failed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "app/cli/store_metrics_sink.h"
#include "db/database.h"

namespace prefstudio::cli {

// How a run ended, as the trainer's result says.
struct RunEnd {
  bool stopped = false;
  bool time_limited = false;
};

// Lets the training body say how a Ctrl-C (or SIGTERM) reaches its trainer once the trainer exists. The stop
// function must only set an atomic flag: it runs inside the signal handler.
class StopRoute {
 public:
  virtual ~StopRoute() = default;
  virtual void route(std::function<void()> stop) = 0;
};

// Creates the runs row (kind, name, config JSON, and the parent run: the one whose checkpoint the
// config resumes, trains against or starts from), a sink echoing as `echo`, and calls
// `train(sink, run_id, stop_route)`. Returns the run id.
int64_t run_in_project(
    db::Database& db, const std::string& kind, const std::string& name,
    const std::string& config_json, SinkEcho echo,
    const std::function<RunEnd(StoreMetricsSink& sink, int64_t run_id, StopRoute& stop)>& train);

}  // namespace prefstudio::cli
