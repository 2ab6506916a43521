// RunPoller (see run_poller.h). data_version changes when any OTHER connection commits; this
// connection never writes. The runs list is read at least every kListEveryTicks ticks even when
// nothing was committed, because a dead run is one whose heartbeat stops changing.
#include "ui/training/run_poller.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <exception>

#include "db/database.h"
#include "db/run_browser.h"
#include "db/run_store.h"

namespace prefstudio::ui {

namespace {

constexpr int kListEveryTicks = 5;
const QStringList kPolicyKinds = {"dpo", "ppo", "rloo", "grpo"};

QString q(const std::string& text) { return QString::fromStdString(text); }

QJsonObject parseObject(const std::string& json) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

std::optional<double> finiteOrEmpty(const QJsonValue& value) {
  if (!value.isDouble() || !std::isfinite(value.toDouble())) return std::nullopt;
  return value.toDouble();
}

RunInfo toRunInfo(const db::RunListRow& row) {
  RunInfo info;
  info.id = row.run.id;
  info.kind = q(row.run.kind);
  info.name = q(row.run.name);
  info.state = q(row.run.status);
  info.message = q(row.run.message);
  info.startedAt = q(row.started_at);
  info.finishedAt = q(row.finished_at);
  if (row.run.parent_run_id) info.parentRunId = *row.run.parent_run_id;
  if (row.run.pid) info.pid = *row.run.pid;
  info.lastStep = row.last_step;
  info.lastWallTime = row.last_wall_time;
  info.config = parseObject(row.run.config);
  // No heartbeat yet is fine for a run just created (its first beat follows at once).
  const QDateTime started = QDateTime::fromString(info.startedAt, Qt::ISODateWithMs);
  const double startedAgo = started.isValid()
                                ? started.msecsTo(QDateTime::currentDateTimeUtc()) / 1000.0
                                : RunInfo::kGoneAfterSeconds + 1;
  const bool silent = row.heartbeat_age_s ? *row.heartbeat_age_s > RunInfo::kGoneAfterSeconds
                                          : startedAgo > RunInfo::kGoneAfterSeconds;
  if (info.state == QLatin1String("running") && silent) info.state = QStringLiteral("gone");
  return info;
}

QVector<PolicyPoint> toPolicyPoints(const std::vector<db::RunEvaluation>& reports) {
  QVector<PolicyPoint> points;
  for (const db::RunEvaluation& evaluation : reports) {
    const QJsonObject report = parseObject(evaluation.report);
    if (!report.value("kl").isDouble()) continue;
    PolicyPoint point;
    point.step = evaluation.step;
    point.kl = report.value("kl").toDouble();
    point.reward = finiteOrEmpty(report.value("reward"));
    point.trueScore = finiteOrEmpty(report.value("true_score"));
    points.push_back(point);
  }
  return points;
}

}  // namespace

RunPoller::RunPoller(const QString& projectPath) : path_(projectPath) {
  qRegisterMetaType<RunInfo>();
  qRegisterMetaType<RunUpdate>();
  qRegisterMetaType<QVector<RunInfo>>();
  qRegisterMetaType<QHash<qint64, QVector<PolicyPoint>>>();
}

RunPoller::~RunPoller() = default;

void RunPoller::start() {
  if (!timer_) {
    timer_ = new QTimer(this);
    connect(timer_, &QTimer::timeout, this, [this] { poll(false); });
  }
  timer_->start(kIntervalMs);
  poll(true);
}

void RunPoller::watch(const QVector<qint64>& runIds) {
  QHash<qint64, Watched> next;
  for (qint64 id : runIds) next.insert(id, watched_.value(id, Watched{}));
  const bool added = std::any_of(runIds.begin(), runIds.end(),
                                 [this](qint64 id) { return !watched_.contains(id); });
  watched_ = std::move(next);
  if (added) poll(true);
}

void RunPoller::pollNow() { poll(true); }

bool RunPoller::databaseChanged() {
  db::Statement statement = db_->prepare("PRAGMA data_version");
  statement.step();
  const qint64 version = statement.column_int(0);
  const bool changed = version != dataVersion_;
  dataVersion_ = version;
  return changed;
}

void RunPoller::poll(bool force) {
  try {
    if (!db_) db_ = std::make_unique<db::Database>(path_.toStdString(), /*create=*/false);
    const bool changed = databaseChanged();
    if (!force && !changed && ++tick_ % kListEveryTicks != 0) return;
    const QVector<RunInfo> runs = listRuns();
    Q_EMIT runsListed(runs);
    for (auto it = watched_.begin(); it != watched_.end(); ++it) {
      RunUpdate update = readRun(it.key(), it.value());
      const bool any = update.reset || !update.metrics.isEmpty() || update.hasEvents ||
                       !update.samples.isEmpty() || update.hasCheckpoints ||
                       update.calibration;
      if (any) Q_EMIT runUpdated(update);
    }
    if (force || changed) readFrontier(runs);
    lastError_.clear();
  } catch (const std::exception& error) {
    db_.reset();  // reopened on the next tick
    const QString message = QString::fromUtf8(error.what());
    if (message != lastError_) Q_EMIT failed(message);
    lastError_ = message;
  }
}

QVector<RunInfo> RunPoller::listRuns() {
  QVector<RunInfo> runs;
  for (const db::RunListRow& row : db::RunBrowser(*db_).runs()) runs.push_back(toRunInfo(row));
  return runs;
}

RunUpdate RunPoller::readRun(qint64 runId, Watched& state) {
  db::RunBrowser browser(*db_);
  db::RunStore store(*db_);
  RunUpdate update;
  update.runId = runId;
  update.reset = !state.sent;
  state.sent = true;
  qint64 lastStep = state.fromStep;
  for (const db::MetricPoint& point : browser.metrics_from(runId, state.fromStep)) {
    update.metrics[q(point.name)].push_back(QPointF(point.step, point.value));
    lastStep = std::max<qint64>(lastStep, point.step);
  }
  state.fromStep = lastStep;

  const std::vector<db::RunEvent> events = browser.events(runId);
  if (static_cast<int>(events.size()) != state.events) {
    state.events = static_cast<int>(events.size());
    update.hasEvents = true;
    for (const db::RunEvent& event : events)
      update.events.push_back({event.step, q(event.kind), q(event.message), q(event.at)});
  }
  const std::vector<db::CheckpointRow> checkpoints = browser.checkpoints(runId);
  if (static_cast<int>(checkpoints.size()) != state.checkpoints) {
    state.checkpoints = static_cast<int>(checkpoints.size());
    update.hasCheckpoints = true;
    for (const db::CheckpointRow& row : checkpoints)
      update.checkpoints.push_back(
          {row.id, row.step, row.run_id, q(row.path), q(row.content_hash), q(row.created_at)});
  }
  for (const db::RunSample& sample : store.samples(runId, state.lastSampleStep)) {
    update.samples.push_back({sample.id, sample.step, sample.prompt_id, q(sample.prompt),
                              q(sample.completion), q(sample.finish_reason), sample.reward,
                              sample.kl, sample.true_score});
    state.lastSampleStep = std::max<qint64>(state.lastSampleStep, sample.step);
  }
  const auto calibration = store.evaluations(runId, "reward_calibration");
  if (!calibration.empty() && calibration.back().step != state.calibrationStep) {
    state.calibrationStep = calibration.back().step;
    update.calibration = parseObject(calibration.back().report);
    update.calibrationStep = state.calibrationStep;
  }
  return update;
}

void RunPoller::readFrontier(const QVector<RunInfo>& runs) {
  db::RunStore store(*db_);
  QHash<qint64, QVector<PolicyPoint>> points;
  for (const RunInfo& run : runs) {
    if (!kPolicyKinds.contains(run.kind)) continue;
    QVector<PolicyPoint> series = toPolicyPoints(store.evaluations(run.id, "policy"));
    if (!series.isEmpty()) points.insert(run.id, std::move(series));
  }
  Q_EMIT frontierUpdated(points);
}

}  // namespace prefstudio::ui
