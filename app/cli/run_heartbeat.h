// RunHeartbeat: while a run trains, a thread of its own writes the run's heartbeat (pid and time)
// every few seconds on its own connection to the project, so the GUI can tell a live run from one
// whose process is gone even while the trainer sits in a long step (a reference pass, an
// evaluation) that writes no metric. Errors are reported once on stderr and the beating goes on:
// a heartbeat must never stop a run.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace prefstudio::cli {

class RunHeartbeat {
 public:
  static constexpr int kIntervalSeconds = 5;

  // Beats at once, then every kIntervalSeconds until destroyed.
  RunHeartbeat(std::string project_path, int64_t run_id);
  ~RunHeartbeat();
  RunHeartbeat(const RunHeartbeat&) = delete;
  RunHeartbeat& operator=(const RunHeartbeat&) = delete;

 private:
  void beat_until_stopped();

  std::string project_path_;
  int64_t run_id_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace prefstudio::cli
