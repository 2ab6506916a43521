// BackgroundTask (see background_task.h). Signals emitted on the worker reach GUI-thread receivers
// as queued calls because the task object itself lives in the GUI thread.
#include "ui/background_task.h"

#include <exception>

namespace prefstudio::ui {

BackgroundTask::BackgroundTask(Job job, QObject* parent) : QObject(parent), job_(std::move(job)) {}

BackgroundTask::~BackgroundTask() {
  cancel();
  if (worker_.joinable()) worker_.join();
}

void BackgroundTask::start() {
  if (worker_.joinable()) worker_.join();  // a finished earlier run
  cancel_ = false;
  running_ = true;
  worker_ = std::thread([this] { runJob(); });
}

void BackgroundTask::cancel() { cancel_ = true; }

void BackgroundTask::runJob() {
  Progress progress = [this](int64_t done, int64_t total) {
    Q_EMIT progressed(done, total);
    return !cancel_.load();
  };
  bool ok = false;
  QString message;
  try {
    message = job_(progress);
    ok = true;
  } catch (const std::exception& e) {
    message = QString::fromStdString(e.what());
  } catch (...) {
    message = QStringLiteral("unknown error");
  }
  bool cancelled = !ok && cancel_.load();
  running_ = false;
  Q_EMIT finished(ok, cancelled, message);
}

}  // namespace prefstudio::ui
