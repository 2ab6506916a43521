// run_in_project: run row, heartbeat, sink, SIGINT/SIGTERM -> the trainer's stop, finish status
// (see trainer_run.h).
#include "app/cli/trainer_run.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "app/cli/run_heartbeat.h"
#include "db/run_store.h"

namespace prefstudio::cli {

namespace {

// What a Ctrl-C (SIGINT) or a SIGTERM calls: a trainer's request_stop(), one lock-free atomic
// store. SIGTERM is how the GUI's Stop button (QProcess::terminate) asks, so a stopped run still
// writes its final checkpoint.
std::atomic<const std::function<void()>*> g_stop{nullptr};

extern "C" void stop_on_signal(int signal_number) {
  if (const auto* stop = g_stop.load()) (*stop)();
  std::signal(signal_number, SIG_DFL);  // a second one ends the program at once
}

// Installs the handlers once the trainer is routed, and restores the previous ones on destruction.
class SignalStop : public StopRoute {
 public:
  void route(std::function<void()> stop) override {
    stop_ = std::move(stop);
    g_stop.store(&stop_);
    if (!installed_) {
      previous_int_ = std::signal(SIGINT, stop_on_signal);
      previous_term_ = std::signal(SIGTERM, stop_on_signal);
    }
    installed_ = true;
  }
  ~SignalStop() override {
    if (installed_) {
      std::signal(SIGINT, previous_int_ == SIG_ERR ? SIG_DFL : previous_int_);
      std::signal(SIGTERM, previous_term_ == SIG_ERR ? SIG_DFL : previous_term_);
    }
    g_stop.store(nullptr);
  }

 private:
  std::function<void()> stop_;
  bool installed_ = false;
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

int64_t run_in_project(
    db::Database& db, const std::string& kind, const std::string& name,
    const std::string& config_json, SinkEcho echo,
    const std::function<RunEnd(StoreMetricsSink& sink, int64_t run_id, StopRoute& stop)>& train) {
  db::RunStore store(db);
  const int64_t run_id = store.create_run(kind, name, config_json, parent_run(store, config_json));
  StoreMetricsSink sink(db, run_id, echo, kind + "-run" + std::to_string(run_id), kind);
  RunEnd end;
  try {
    RunHeartbeat heartbeat(db.path(), run_id);
    SignalStop signals;
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
