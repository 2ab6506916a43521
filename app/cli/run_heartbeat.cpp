// RunHeartbeat (see run_heartbeat.h).
#include "app/cli/run_heartbeat.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <iostream>

#include "db/database.h"
#include "db/run_store.h"

namespace prefstudio::cli {

RunHeartbeat::RunHeartbeat(std::string project_path, int64_t run_id)
    : project_path_(std::move(project_path)), run_id_(run_id) {
  thread_ = std::thread([this] { beat_until_stopped(); });
}

RunHeartbeat::~RunHeartbeat() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RunHeartbeat::beat_until_stopped() {
  bool reported = false;
  std::unique_ptr<db::Database> db;  // one connection per thread: this one is the beat's own
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    lock.unlock();
    try {
      if (!db) db = std::make_unique<db::Database>(project_path_, /*create=*/false);
      db::RunStore(*db).heartbeat(run_id_, static_cast<int64_t>(::getpid()));
    } catch (const std::exception& e) {
      if (!reported) std::cerr << "warning: run heartbeat not written: " << e.what() << "\n";
      reported = true;
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(kIntervalSeconds), [this] { return stop_; });
  }
}

}  // namespace prefstudio::cli
