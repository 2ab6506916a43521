// LabelWriter (see label_writer.h).
#include "ui/label_writer.h"

#include <QTimer>
#include <algorithm>
#include <exception>

#include "db/database.h"

namespace prefstudio::ui {

LabelWriter::LabelWriter(db::Database& db, QObject* parent)
    : QObject(parent), db_(db), retry_(new QTimer(this)) {
  retry_->setSingleShot(true);
  connect(retry_, &QTimer::timeout, this, &LabelWriter::drain);
}

LabelWriter::~LabelWriter() = default;

int64_t LabelWriter::enqueue(Write write, Committed committed, Failed failed) {
  Job job{nextId_++, std::move(write), std::move(committed), std::move(failed)};
  if (jobs_.empty()) {
    // Nothing waits ahead of it: write now, as before this class existed.
    int64_t result = 0;
    try {
      db::ScopedBusyTimeout wait(db_, kFirstTryWaitMs);
      result = job.write();
    } catch (const db::DbError& error) {
      if (!error.busy()) throw;
      jobs_.push_back(std::move(job));
      retryMs_ = kRetryMinMs;
      scheduleRetry();
      Q_EMIT waitingChanged(waiting());
      return jobs_.back().id;
    }
    if (job.committed) job.committed(result);
    return job.id;
  }
  const int64_t id = job.id;
  jobs_.push_back(std::move(job));
  Q_EMIT waitingChanged(waiting());
  return id;
}

bool LabelWriter::cancel(int64_t job) {
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [job](const Job& j) { return j.id == job; });
  if (it == jobs_.end()) return false;
  jobs_.erase(it);
  if (jobs_.empty()) retry_->stop();
  Q_EMIT waitingChanged(waiting());
  return true;
}

void LabelWriter::cancelAll() {
  if (jobs_.empty()) return;
  jobs_.clear();
  retry_->stop();
  Q_EMIT waitingChanged(0);
}

bool LabelWriter::isWaiting(int64_t job) const {
  return std::any_of(jobs_.begin(), jobs_.end(), [job](const Job& j) { return j.id == job; });
}

void LabelWriter::retryNow() {
  if (!jobs_.empty()) drain();
}

void LabelWriter::drain() {
  retry_->stop();
  while (!jobs_.empty()) {
    int64_t result = 0;
    QString failure;
    try {
      db::ScopedBusyTimeout noWait(db_, 0);
      result = jobs_.front().write();
    } catch (const db::DbError& error) {
      if (error.busy()) {
        scheduleRetry();
        return;
      }
      failure = QString::fromUtf8(error.what());
    } catch (const std::exception& error) {
      failure = QString::fromUtf8(error.what());
    }
    // Off the queue before its callback runs: the callback may queue or cancel other jobs.
    Job done = std::move(jobs_.front());
    jobs_.pop_front();
    retryMs_ = kRetryMinMs;
    if (failure.isEmpty()) {
      if (done.committed) done.committed(result);
    } else if (done.failed) {
      done.failed(failure);
    }
    Q_EMIT waitingChanged(waiting());
  }
}

void LabelWriter::scheduleRetry() {
  retry_->start(retryMs_);
  retryMs_ = std::min(retryMs_ * 2, kRetryMaxMs);
}

}  // namespace prefstudio::ui
