// LabelWriter: the labeling GUI's writes, in order, without ever waiting on the database lock.
// Each job is one LabelStore call (one transaction). It is tried at once with a wait of at most
// kFirstTryWaitMs (another labeler's write takes a few ms); when another program holds the lock
// longer (a large import holds it for its whole file), the job waits in memory and is retried
// without any wait (busy timeout 0) every kRetryMinMs..kRetryMaxMs, in order, until it commits,
// for as long as the program runs. Later jobs queue behind a waiting one, so the database sees the
// labeler's actions in the order they were made.
// Thread rule: GUI thread only, on the controller's connection (one connection per thread); the
// window keeps processing events while a job waits, which a writer thread blocked in SQLite's busy
// handler would also achieve, at the price of a second connection and cross-thread state.
// Errors: a busy/locked failure is retried; any other failure ends the job: thrown to the caller
// when it happens during enqueue() (the caller's state is untouched, as before), else reported to
// the job's `failed`. What leaves the program unwritten is only what the user chose to drop (quit
// while jobs wait) or cancel().
#pragma once

#include <QObject>
#include <QString>
#include <cstdint>
#include <deque>
#include <functional>

class QTimer;

namespace prefstudio::db {
class Database;
}

namespace prefstudio::ui {

class LabelWriter : public QObject {
  Q_OBJECT

 public:
  // The first try of a job waits this long for the lock, e.g. 20 ms: enough for another labeler's
  // write, not enough for a labeler to feel it.
  static constexpr int kFirstTryWaitMs = 20;
  // Retries back off from kRetryMinMs, doubling, to kRetryMaxMs (e.g. 50 .. 500 ms): a label
  // commits within half a second of the lock freeing, at a few microseconds per retry meanwhile.
  static constexpr int kRetryMinMs = 50;
  static constexpr int kRetryMaxMs = 500;

  // One store call in its own transaction; returns a ranking id where there is one, else 0.
  using Write = std::function<int64_t()>;
  using Committed = std::function<void(int64_t result)>;
  using Failed = std::function<void(const QString& message)>;

  // Borrows `db` (the controller's connection); it must outlive the writer.
  explicit LabelWriter(db::Database& db, QObject* parent = nullptr);
  ~LabelWriter() override;

  // Queues `write` behind the waiting jobs and writes what the lock allows now. `committed` runs
  // once the job committed (inside this call when the lock was free), `failed` when it failed later
  // for another reason than the lock. Returns the job's id. Throws what the write threw when it
  // failed at once for another reason than the lock (nothing is queued then).
  int64_t enqueue(Write write, Committed committed, Failed failed = {});
  // Drops a job that has not been written yet; false when it is not waiting (written or unknown).
  bool cancel(int64_t job);
  // Drops every waiting job (the labeler chose to quit without them).
  void cancelAll();
  bool isWaiting(int64_t job) const;
  // Jobs that found the lock held and wait for it.
  int waiting() const { return static_cast<int>(jobs_.size()); }

 public Q_SLOTS:
  // Tries the waiting jobs now (e.g. when the project changed: an import may have committed).
  void retryNow();

 Q_SIGNALS:
  // After the number of waiting jobs changed (0: everything the labeler did is in the database).
  void waitingChanged(int count);

 private:
  struct Job {
    int64_t id = 0;
    Write write;
    Committed committed;
    Failed failed;
  };
  enum class Outcome { kCommitted, kBusy };
  // Writes the front job with this busy timeout; throws its error when not busy.
  Outcome tryFront(int waitMs);
  // Writes waiting jobs in order until one finds the lock held; reports the others' failures.
  void drain();
  void scheduleRetry();

  db::Database& db_;
  std::deque<Job> jobs_;
  int64_t nextId_ = 1;
  int retryMs_ = kRetryMinMs;
  QTimer* retry_;
};

}  // namespace prefstudio::ui
