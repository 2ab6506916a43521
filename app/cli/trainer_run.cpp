// run_in_project: run row, heartbeat, sink, SIGINT/SIGTERM -> the trainer's stop, finish status,
// and the ranks other than 0 of a data-parallel run, which record nothing (see trainer_run.h).
#include "app/cli/trainer_run.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "app/cli/run_heartbeat.h"
#include "core/train/quiet_sink.h"
#include "db/run_store.h"

namespace prefstudio::cli {

namespace {

// What a Ctrl-C (SIGINT) or a SIGTERM calls: a trainer's request_stop(), one lock-free atomic
// store. SIGTERM is how the GUI's Stop button (QProcess::terminate) asks, so a stopped run still
// writes its final checkpoint. A signal that comes while no trainer runs (it is being built, or the
// run is being marked finished or failed) is kept for the next trainer, or only counted.
std::atomic<const std::function<void()>*> g_stop{nullptr};
std::atomic<bool> g_stop_pending{false};

extern "C" void stop_on_signal(int signal_number) {
  if (const auto* stop = g_stop.load())
    (*stop)();
  else
    g_stop_pending.store(true);
  std::signal(signal_number, SIG_DFL);  // a second one ends the program at once
}

// SIGINT and SIGTERM handled for as long as it lives, so that one of them never ends the process
// half-way through its bookkeeping (when a rank fails, the launcher sends SIGTERM to the others at
// once, and rank 0, maybe failing itself, must still mark its run); the previous handlers come
// back on destruction.
class SignalStop : public TrainerHookup {
 public:
  explicit SignalStop(std::shared_ptr<DataParallelGroup> group) : TrainerHookup(std::move(group)) {
    g_stop_pending.store(false);
    previous_int_ = std::signal(SIGINT, stop_on_signal);
    previous_term_ = std::signal(SIGTERM, stop_on_signal);
  }
  ~SignalStop() override {
    std::signal(SIGINT, previous_int_ == SIG_ERR ? SIG_DFL : previous_int_);
    std::signal(SIGTERM, previous_term_ == SIG_ERR ? SIG_DFL : previous_term_);
    g_stop.store(nullptr);
  }

 protected:
  void route_stop(std::function<void()> stop) override {
    g_stop.store(nullptr);  // first, so that no handler sees stop_ while it changes
    if (!stop) return;
    stop_ = std::move(stop);
    g_stop.store(&stop_);
    if (g_stop_pending.exchange(false)) stop_();  // asked before the trainer ran
  }

 private:
  std::function<void()> stop_;
  void (*previous_int_)(int) = SIG_DFL;
  void (*previous_term_)(int) = SIG_DFL;
};

// The run this one builds on, from the checkpoints its config names: the run it resumes, else (for
// online RL) the reward model's run, else the run that wrote its starting model. Empty when none of
// them is a checkpoint of this project.
std::optional<int64_t> parent_run(db::RunStore& store, const std::string& config_json) {
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return std::nullopt;
  std::vector<std::string> dirs;
  const auto add = [&](const nlohmann::json& value) {
    if (value.is_string() && !value.get<std::string>().empty()) dirs.push_back(value);
  };
  add(config.value("resume_from", nlohmann::json()));
  if (config.contains("reward") && config["reward"].is_object())
    add(config["reward"].value("model", nlohmann::json()));
  add(config.value("policy_dir", nlohmann::json()));
  add(config.value("model_dir", nlohmann::json()));
  for (const std::string& dir : dirs) {
    std::filesystem::path path = std::filesystem::absolute(dir).lexically_normal();
    if (path.filename().empty()) path = path.parent_path();  // "final/" -> "final"
    if (auto run = store.run_of_checkpoint(path.string())) return run;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> run_in_project(
    TrainingProcess& process, db::Database& db, const std::string& kind, const std::string& name,
    const std::string& config_json, SinkEcho echo,
    const std::function<RunEnd(MetricsSink& sink, int64_t run_id, TrainerHookup& hookup)>& train) {
  std::shared_ptr<DataParallelGroup> group = process.group();
  // Before the row exists: a stop asked while the run starts is kept for the trainer.
  SignalStop signals(group);
  if (!process.records_run()) {
    QuietSink sink;
    train(sink, 0, signals);
    return std::nullopt;
  }
  db::RunStore store(db);
  const int64_t run_id = store.create_run(kind, name, config_json, parent_run(store, config_json));
  StoreMetricsSink sink(db, run_id, echo, kind + "-run" + std::to_string(run_id), kind);
  RunEnd end;
  try {
    RunHeartbeat heartbeat(db.path(), run_id);
    end = train(sink, run_id, signals);
  } catch (const std::exception& e) {
    try {
      store.finish_run(run_id, "failed", e.what());
    } catch (const std::exception&) {
      // The original error matters more than the bookkeeping one.
    }
    throw;
  }
  store.finish_run(run_id, end.stopped ? "stopped" : "finished",
                   end.stopped        ? "stopped on request"
                   : end.time_limited ? "time limit reached"
                                      : "");
  return run_id;
}

}  // namespace prefstudio::cli
