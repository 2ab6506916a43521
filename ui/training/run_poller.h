// RunPoller: the Training tab's only reader of the project's runs. It lives on a thread of its own
// (TrainingView moves it there) with its own connection, so a long read (a run of 100,000 steps
// being opened) never stalls labeling or the charts. Every interval it checks PRAGMA data_version
// and, only if another connection committed, lists the runs and reads what is new for each
// watched run: metrics from the last step it sent, new samples, and events, checkpoints and
// evaluations when their number changed. Errors (a locked or vanished file) are reported once per
// kind of message and the next tick tries again: a poller must never take the tab down.
#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QVector>
#include <memory>

#include "ui/training/run_snapshot.h"

class QTimer;

namespace prefstudio::db {
class Database;
}

namespace prefstudio::ui {

class RunPoller : public QObject {
  Q_OBJECT

 public:
  static constexpr int kIntervalMs = 1000;

  explicit RunPoller(const QString& projectPath);
  ~RunPoller() override;

 public Q_SLOTS:
  // Starts the timer; call through a queued connection once the poller is on its thread.
  void start();
  // The runs whose details to follow; a newly watched run is read from its first step.
  void watch(const QVector<qint64>& runIds);
  // Polls now, whether or not the database changed.
  void pollNow();

 Q_SIGNALS:
  void runsListed(const QVector<prefstudio::ui::RunInfo>& runs);
  void runUpdated(const prefstudio::ui::RunUpdate& update);
  // Every policy evaluation of every policy run (dpo, ppo, rloo, grpo), by run id.
  void frontierUpdated(const QHash<qint64, QVector<prefstudio::ui::PolicyPoint>>& points);
  void failed(const QString& message);

 private:
  struct Watched {
    qint64 fromStep = 0;
    qint64 lastSampleStep = -1;
    int events = -1, checkpoints = -1;
    qint64 calibrationStep = -1;
    bool sent = false;
  };

  void poll(bool force);
  bool databaseChanged();
  QVector<RunInfo> listRuns();
  RunUpdate readRun(qint64 runId, Watched& state);
  void readFrontier(const QVector<RunInfo>& runs);

  QString path_;
  std::unique_ptr<db::Database> db_;
  qint64 dataVersion_ = -1;
  QHash<qint64, Watched> watched_;
  QTimer* timer_ = nullptr;
  int tick_ = 0;
  QString lastError_;
};

}  // namespace prefstudio::ui
