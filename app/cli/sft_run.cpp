// run_sft_in_project: run row, sink, SIGINT -> request_stop, finish status (see sft_run.h).
#include "app/cli/sft_run.h"

#include <atomic>
#include <csignal>

#include "app/cli/store_metrics_sink.h"
#include "db/run_store.h"

namespace prefstudio::cli {

namespace {

// The trainer a Ctrl-C should stop. request_stop() is one lock-free atomic store, which a signal
// handler may do.
std::atomic<SftTrainer*> g_running_trainer{nullptr};

extern "C" void stop_on_sigint(int) {
  if (SftTrainer* trainer = g_running_trainer.load()) trainer->request_stop();
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the program at once
}

// Installs the handler for its lifetime and restores the previous one.
class SigintStopsTrainer {
 public:
  explicit SigintStopsTrainer(SftTrainer& trainer) {
    g_running_trainer.store(&trainer);
    previous_ = std::signal(SIGINT, stop_on_sigint);
  }
  ~SigintStopsTrainer() {
    std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_);
    g_running_trainer.store(nullptr);
  }

 private:
  void (*previous_)(int) = SIG_DFL;
};

}  // namespace

SftRunOutcome run_sft_in_project(db::Database& db, const SftConfig& config,
                                 std::vector<SftExample> examples, const std::string& name,
                                 SinkEcho echo) {
  db::RunStore store(db);
  SftRunOutcome outcome;
  outcome.run_id = store.create_run("sft", name, to_json(config).dump());
  StoreMetricsSink sink(db, outcome.run_id, echo, "sft-run" + std::to_string(outcome.run_id));
  try {
    SftTrainer trainer(config, std::move(examples), outcome.run_id);
    SigintStopsTrainer sigint(trainer);
    outcome.result = trainer.run(sink);
  } catch (const std::exception& e) {
    try {
      store.finish_run(outcome.run_id, "failed", e.what());
    } catch (const std::exception&) {
      // The original error matters more than the bookkeeping one.
    }
    throw;
  }
  const SftResult& result = outcome.result;
  store.finish_run(outcome.run_id, result.stopped ? "stopped" : "finished",
                   result.stopped        ? "stopped on request"
                   : result.time_limited ? "time limit reached"
                                         : "");
  return outcome;
}

}  // namespace prefstudio::cli
