// BackgroundTask: runs one long job (import, export, agreement) on its own std::thread and reports
// back through queued signals, so the GUI stays responsive. Thread rule: the job runs on the worker
// and must open its OWN Database (one SQLite connection per thread); it touches no QObject. The
// task object lives in the GUI thread; its signals arrive there. No exception leaves the worker:
// a throw becomes finished(false, ...) with the exception's message.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

namespace prefstudio::ui {

class BackgroundTask : public QObject {
  Q_OBJECT

 public:
  // Reports (done, total) in the job's own unit (bytes, prompts) and returns false once cancel()
  // was asked, so db's progress callbacks can pass it straight on.
  using Progress = std::function<bool(int64_t done, int64_t total)>;
  // The job returns the line to show on success; it throws (e.g. DbError) to fail.
  using Job = std::function<QString(const Progress& progress)>;

  explicit BackgroundTask(Job job, QObject* parent = nullptr);
  // Asks the job to stop and waits for the worker: a task never outlives its thread.
  ~BackgroundTask() override;

  void start();
  // Thread-safe; the job sees it at its next progress call.
  void cancel();
  bool isCancelRequested() const { return cancel_.load(); }
  bool isRunning() const { return running_.load(); }

 Q_SIGNALS:
  void progressed(qint64 done, qint64 total);
  // cancelled: the job threw after cancel() was asked (e.g. ImportCancelled): nothing was kept.
  void finished(bool ok, bool cancelled, const QString& message);

 private:
  void runJob();

  Job job_;
  std::thread worker_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> running_{false};
};

}  // namespace prefstudio::ui
