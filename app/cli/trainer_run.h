// One training run recorded in a project, whatever the trainer: a runs row holding the whole
// config, a heartbeat thread (run_heartbeat.h), metrics, evaluations and checkpoints through
// StoreMetricsSink, Ctrl-C and SIGTERM turned into the trainer's request_stop() (so a final
// checkpoint is still written), and the row finished as finished / stopped / failed. Shared by
// every `train ...` command and `demo`. In a data-parallel run this is the one place that applies
// TrainingProcess's rule: rank 0 records the run as above; every other rank runs the same trainer
// with a sink that writes nothing, and no row, heartbeat or summary. Runs on the calling thread;
// rethrows the trainer's error after marking the run failed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/cli/store_metrics_sink.h"
#include "app/cli/training_process.h"
#include "core/dist/data_parallel_group.h"
#include "core/train/metrics_sink.h"
#include "db/database.h"

namespace prefstudio::cli {

// How a run ended, as the trainer's result says.
struct RunEnd {
  bool stopped = false;
  bool time_limited = false;
};

// How the training body runs its trainer in this process: in a data-parallel run the trainer gets
// the group, and while it runs, Ctrl-C and SIGTERM reach its request_stop() (which only sets an
// atomic flag: it runs inside the signal handler).
class TrainerHookup {
 public:
  explicit TrainerHookup(std::shared_ptr<DataParallelGroup> group) : group_(std::move(group)) {}
  virtual ~TrainerHookup() = default;

  // trainer.run(sink) for any trainer with set_data_parallel(), request_stop() and run()
  // (SftTrainer, RewardTrainer, DpoTrainer, RlTrainer). The signals are routed to the trainer only
  // while run() runs: once it has returned or thrown, the trainer may be destroyed, and a signal
  // then (the launcher stops every rank as soon as one fails) must not reach it.
  template <typename Trainer>
  auto run_trainer(Trainer& trainer, MetricsSink& sink) {
    if (group_) trainer.set_data_parallel(group_);
    route_stop([&trainer] { trainer.request_stop(); });
    struct Unroute {
      TrainerHookup& hookup;
      ~Unroute() { hookup.route_stop(nullptr); }
    } unroute{*this};
    return trainer.run(sink);
  }

 protected:
  // Routes SIGINT and SIGTERM to `stop`; an empty `stop` unroutes them (a signal then only counts).
  virtual void route_stop(std::function<void()> stop) = 0;

 private:
  std::shared_ptr<DataParallelGroup> group_;
};

// Joins `process`'s group (before any row exists, so a group that never forms leaves no failed
// run behind), then on rank 0 creates the runs row (kind, name, config JSON, and the parent run:
// the one whose checkpoint the config resumes, trains against or starts from) and a sink echoing
// as `echo`, and calls `train(sink, run_id, hookup)`. Returns the run id; empty on the other ranks,
// whose `train` gets a sink that drops everything and run id 0.
std::optional<int64_t> run_in_project(
    TrainingProcess& process, db::Database& db, const std::string& kind, const std::string& name,
    const std::string& config_json, SinkEcho echo,
    const std::function<RunEnd(MetricsSink& sink, int64_t run_id, TrainerHookup& hookup)>& train);

}  // namespace prefstudio::cli
