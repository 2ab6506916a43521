// What the Training tab knows of the project's runs, in Qt types: RunPoller fills these on its
// worker thread from the project database and hands them to the GUI thread in queued signals.
// Plain values, no database handles.
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QMetaType>
#include <QPointF>
#include <QString>
#include <QVector>
#include <optional>

namespace prefstudio::ui {

// A run as the runs list shows it. `state` is the stored status, except that a run still marked
// running whose heartbeat has stopped for kGoneAfterSeconds is "gone": its process died without
// finishing the row (a crash, a kill, a machine that went away).
struct RunInfo {
  static constexpr double kGoneAfterSeconds = 30.0;

  qint64 id = 0;
  QString kind, name, state, message, startedAt, finishedAt;
  std::optional<qint64> parentRunId;
  std::optional<qint64> pid;
  qint64 lastStep = -1;
  double lastWallTime = 0.0;  // seconds since the run started, at its last metric
  QJsonObject config;         // the trainer's whole config as the run stored it
  bool isLive() const { return state == QLatin1String("running"); }
};

struct RunEventRow {
  qint64 step = 0;
  QString kind, message, at;
};

struct RunSampleRow {
  qint64 id = 0, step = 0;
  std::optional<qint64> promptId;
  QString prompt, completion, finishReason;
  std::optional<double> reward, kl, trueScore;
};

struct CheckpointInfo {
  qint64 id = 0, step = 0;
  std::optional<qint64> runId;
  QString path, contentHash, createdAt;
};

// One policy evaluation (held-out prompts, temperature 1): a point of the reward-against-KL chart.
struct PolicyPoint {
  qint64 step = 0;
  double kl = 0.0;
  std::optional<double> reward, trueScore;
};

// What is new for one watched run since the last update. `metrics` holds each metric's points
// from the last step already sent (inclusive: that step may have gained a value), by step.
struct RunUpdate {
  qint64 runId = 0;
  bool reset = false;  // the first update of a newly watched run: replace, do not append
  QHash<QString, QVector<QPointF>> metrics;
  QVector<RunEventRow> events;            // all of them, when their number changed
  QVector<RunSampleRow> samples;          // new ones only
  QVector<CheckpointInfo> checkpoints;    // all of them, when their number changed
  std::optional<QJsonObject> calibration; // the latest reward_calibration report, when new
  qint64 calibrationStep = -1;
  bool hasEvents = false, hasCheckpoints = false;
};

}  // namespace prefstudio::ui

Q_DECLARE_METATYPE(prefstudio::ui::RunInfo)
Q_DECLARE_METATYPE(prefstudio::ui::RunUpdate)
