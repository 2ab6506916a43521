// TrainingView (see training_view.h).
#include "ui/training/training_view.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>
#include <cmath>

#include "db/database.h"
#include "db/run_browser.h"
#include "ui/training/calibration_chart.h"
#include "ui/training/chart_style.h"
#include "ui/training/checkpoint_export.h"
#include "ui/training/curves_panel.h"
#include "ui/training/frontier_chart.h"
#include "ui/training/launch_dialog.h"
#include "ui/training/run_launcher.h"
#include "ui/training/run_poller.h"
#include "ui/training/run_table_model.h"
#include "ui/training/samples_panel.h"

namespace prefstudio::ui {

namespace {

QTableWidget* makeTable(const QStringList& headers, const QString& name, QWidget* parent) {
  auto* table = new QTableWidget(0, headers.size(), parent);
  table->setObjectName(name);
  table->setHorizontalHeaderLabels(headers);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->horizontalHeader()->setStretchLastSection(true);
  table->verticalHeader()->hide();
  return table;
}

void setRow(QTableWidget* table, int row, const QStringList& cells) {
  for (int column = 0; column < cells.size(); ++column)
    table->setItem(row, column, new QTableWidgetItem(cells[column]));
}

}  // namespace

TrainingView::TrainingView(const QString& projectPath, QWidget* parent)
    : QWidget(parent), project_(QFileInfo(projectPath).absoluteFilePath()) {
  setObjectName("trainingView");
  model_ = new RunTableModel(this);
  launcher_ = new RunLauncher(this);
  table_ = new QTableView(this);
  table_->setObjectName("runsTable");
  table_->setModel(model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  buildDetails();

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(table_);
  splitter->addWidget(details_);
  splitter->setStretchFactor(1, 3);
  splitter->setSizes({330, 1030});
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildToolbar());
  layout->addWidget(splitter, 1);

  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &TrainingView::onSelectionChanged);
  connect(launcher_, &RunLauncher::runProcessEnded, this,
          [this](const QString& name, int exitCode, const QString& output) {
            if (exitCode != 0)
              showMessage(tr("Run %1 ended with an error: %2").arg(name, output.trimmed().right(400)));
            pollNow();
          });

  // The poller reads on its own thread, with its own connection.
  thread_ = new QThread(this);
  poller_ = new RunPoller(project_);
  poller_->moveToThread(thread_);
  connect(thread_, &QThread::finished, poller_, &QObject::deleteLater);
  connect(poller_, &RunPoller::runsListed, this, &TrainingView::onRunsListed);
  connect(poller_, &RunPoller::runUpdated, this, &TrainingView::onRunUpdated);
  connect(poller_, &RunPoller::frontierUpdated, this, &TrainingView::onFrontier);
  connect(poller_, &RunPoller::failed, this, &TrainingView::showMessage);
  thread_->start();
  QMetaObject::invokeMethod(poller_, &RunPoller::start, Qt::QueuedConnection);
}

TrainingView::~TrainingView() {
  thread_->quit();
  thread_->wait();
}

QWidget* TrainingView::buildToolbar() {
  auto* bar = new QWidget(this);
  auto* row = new QHBoxLayout(bar);
  row->setContentsMargins(0, 0, 0, 0);
  auto* launch = new QPushButton(tr("New run..."), bar);
  launch->setObjectName("newRun");
  stop_ = new QPushButton(tr("Stop"), bar);
  stop_->setObjectName("stopRun");
  stop_->setToolTip(tr("Stop after the current step, saving a checkpoint"));
  resume_ = new QPushButton(tr("Resume..."), bar);
  resume_->setObjectName("resumeRun");
  auto* exportButton = new QPushButton(tr("Export checkpoint..."), bar);
  exportButton->setObjectName("exportCheckpoint");
  progress_ = new QProgressBar(bar);
  progress_->setObjectName("runProgress");
  progress_->setMinimumWidth(220);
  progressText_ = new QLabel(bar);
  progressText_->setObjectName("progressText");
  status_ = new QLabel(bar);
  status_->setObjectName("trainingStatus");
  status_->setWordWrap(true);
  for (QWidget* widget : {static_cast<QWidget*>(launch), static_cast<QWidget*>(stop_),
                          static_cast<QWidget*>(resume_), static_cast<QWidget*>(exportButton),
                          static_cast<QWidget*>(progress_), static_cast<QWidget*>(progressText_)})
    row->addWidget(widget);
  row->addWidget(status_, 1);
  connect(launch, &QPushButton::clicked, this, [this] { newRun(); });
  connect(stop_, &QPushButton::clicked, this, [this] { stopSelected(); });
  connect(resume_, &QPushButton::clicked, this, [this] { resumeSelected(); });
  connect(exportButton, &QPushButton::clicked, this, &TrainingView::exportSelectedCheckpoint);
  return bar;
}

void TrainingView::buildDetails() {
  details_ = new QTabWidget(this);
  details_->setObjectName("trainingDetails");
  curves_ = new CurvesPanel(details_);
  calibration_ = new CalibrationChart(details_);
  frontier_ = new FrontierChart(details_);
  samples_ = new SamplesPanel(project_, details_);
  events_ = makeTable({tr("Run"), tr("Step"), tr("Kind"), tr("Message")}, "eventsTable", details_);
  checkpointTable_ = makeTable({tr("Run"), tr("Step"), tr("Hash"), tr("Path")}, "checkpointsTable",
                               details_);
  details_->addTab(curves_, tr("Curves"));
  details_->addTab(calibration_, tr("Calibration"));
  details_->addTab(frontier_, tr("Reward vs KL"));
  details_->addTab(events_, tr("Events"));
  details_->addTab(samples_, tr("Samples"));
  details_->addTab(checkpointTable_, tr("Checkpoints"));
  connect(frontier_, &FrontierChart::measureChanged, this,
          [this] { onFrontier(frontierPoints_); });
  connect(samples_, &SamplesPanel::sentToQueue, this, [this](int added) {
    showMessage(tr("%n sample(s) added to the labeling queue", "", added));
  });
}

void TrainingView::pollNow() { QMetaObject::invokeMethod(poller_, &RunPoller::pollNow); }

void TrainingView::onRunsListed(const QVector<RunInfo>& runs) {
  const QVector<qint64> selected = selectedRuns();
  model_->setRuns(runs);
  if (model_->rowCount() > 0 && selected != selectedRuns()) selectRuns(selected);
  if (!listedOnce_ && selected.isEmpty()) selectNewestTrainedRun(runs);
  listedOnce_ = true;  // from now on an empty selection is the user's
  for (const RunInfo& run : runs) {
    if (run.name != launchedName_) continue;
    launchedName_.clear();  // the run just launched from here: show it
    selectRuns({run.id});
  }
  curves_->setRuns(selectedInfos());
  updateProgress();
  Q_EMIT runsListed();
}

// The newest run with metrics (the demo's summary row has none).
void TrainingView::selectNewestTrainedRun(const QVector<RunInfo>& runs) {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->lastStep < 0) continue;
    selectRuns({it->id});
    return;
  }
}

void TrainingView::onSelectionChanged() {
  const QVector<qint64> ids = selectedRuns();
  curves_->setRuns(selectedInfos());
  fillEvents();
  fillCheckpoints();
  if (ids.isEmpty() || samples_->runId() != ids.front()) samples_->addSamples(-1, {}, true);
  calibration_->clear();
  QMetaObject::invokeMethod(poller_, [poller = poller_, ids] { poller->watch(ids); });
  updateProgress();
}

void TrainingView::onRunUpdated(const RunUpdate& update) {
  const QVector<qint64> ids = selectedRuns();
  if (!ids.contains(update.runId)) return;  // no longer selected
  curves_->addPoints(update.runId, update.metrics, update.reset);
  if (update.hasEvents) {
    runEvents_[update.runId] = update.events;
    curves_->setEvents(update.runId, update.events);
    fillEvents();
  }
  if (update.hasCheckpoints) {
    runCheckpoints_[update.runId] = update.checkpoints;
    fillCheckpoints();
  }
  const bool first = update.runId == ids.front();
  if (first && (update.reset || !update.samples.isEmpty()))
    samples_->addSamples(update.runId, update.samples, update.reset);
  if (first && update.calibration) calibration_->setReport(*update.calibration);
  if (const RunInfo* info = model_->runById(update.runId)) {
    const QString headline = RunTableModel::headlineMetric(info->kind);
    if (update.metrics.contains(headline)) updateBest(update.runId, update.metrics.value(headline));
  }
  updateProgress();
  Q_EMIT runUpdated(update.runId);
}

void TrainingView::updateBest(qint64 runId, const QVector<QPointF>& points) {
  const RunInfo* info = model_->runById(runId);
  if (!info) return;
  bool higher = true;
  RunTableModel::headlineMetric(info->kind, &higher);
  double best = std::nan("");
  for (const QPointF& point : points) {
    if (!std::isfinite(point.y())) continue;
    if (std::isnan(best) || (higher ? point.y() > best : point.y() < best)) best = point.y();
  }
  if (std::isfinite(best)) model_->setBest(runId, best);
}

void TrainingView::onFrontier(const QHash<qint64, QVector<PolicyPoint>>& points) {
  frontierPoints_ = points;
  const bool trueScore = frontier_->measure() == QLatin1String("true_score");
  frontier_->clearRuns();
  for (auto it = points.begin(); it != points.end(); ++it) {
    QVector<double> kl, score;
    QVector<QPointF> truePoints;
    for (const PolicyPoint& point : it.value()) {
      const std::optional<double>& value = trueScore ? point.trueScore : point.reward;
      if (!value) continue;
      kl << point.kl;
      score << *value;
      if (point.trueScore) truePoints << QPointF(point.step, *point.trueScore);
    }
    const RunInfo* info = model_->runById(it.key());
    const QString label = info ? QStringLiteral("%1 %2").arg(it.key()).arg(info->name)
                               : QString::number(it.key());
    if (!kl.isEmpty()) {
      frontier_->setRunPoints(QString::number(it.key()), label, kl, score);
      frontier_->setRunColor(QString::number(it.key()), chartColor(static_cast<int>(it.key())));
    }
    if (!truePoints.isEmpty()) updateBest(it.key(), truePoints);
  }
}

QVector<qint64> TrainingView::selectedRuns() const {
  QVector<qint64> ids;
  for (const QModelIndex& index : table_->selectionModel()->selectedRows())
    if (const RunInfo* info = model_->run(index.row())) ids << info->id;
  std::sort(ids.begin(), ids.end());
  return ids;
}

QVector<qint64> TrainingView::allRuns() const {
  QVector<qint64> ids;
  for (int row = 0; row < model_->rowCount(); ++row) ids << model_->run(row)->id;
  return ids;
}

QVector<RunInfo> TrainingView::selectedInfos() const {
  QVector<RunInfo> infos;
  for (qint64 id : selectedRuns())
    if (const RunInfo* info = model_->runById(id)) infos << *info;
  return infos;
}

void TrainingView::selectRuns(const QVector<qint64>& runIds) {
  QItemSelection selection;
  for (qint64 id : runIds) {
    const int row = model_->rowOf(id);
    if (row >= 0) selection.select(model_->index(row, 0), model_->index(row, RunTableModel::kColumns - 1));
  }
  table_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

void TrainingView::updateProgress() {
  const QVector<RunInfo> infos = selectedInfos();
  stop_->setEnabled(std::any_of(infos.begin(), infos.end(), [](const RunInfo& info) { return info.isLive(); }));
  resume_->setEnabled(!infos.isEmpty() && !infos.front().isLive());
  if (infos.isEmpty() || std::all_of(infos.begin(), infos.end(),
                                      [](const RunInfo& info) { return info.lastStep < 0; })) {
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progressText_->clear();
    return;
  }
  // A live run among the selected is the one whose progress matters.
  const auto live = std::find_if(infos.begin(), infos.end(), [](const RunInfo& info) { return info.isLive(); });
  const RunInfo& run = live != infos.end() ? *live : infos.front();
  const qint64 total = expectedSteps(run);
  const double rate = run.lastWallTime > 0 ? run.lastStep / run.lastWallTime : 0.0;
  progress_->setRange(0, total > 0 ? static_cast<int>(total) : 0);  // 0..0: steps unknown
  progress_->setValue(static_cast<int>(run.lastStep));
  QString text = tr("step %1").arg(run.lastStep) + (total > 0 ? tr(" of %1").arg(total) : QString());
  if (rate > 0) text += tr(" · %1 steps/s").arg(rate, 0, 'g', 3);
  if (run.isLive() && total > 0 && rate > 0)
    text += tr(" · %1 left").arg(RunTableModel::duration((total - run.lastStep) / rate));
  else
    text += " · " + run.state;
  if (run.isLive() && total <= 0) progress_->setRange(0, 0);
  if (!run.isLive() && total <= 0) progress_->setRange(0, 1), progress_->setValue(1);
  progressText_->setText(text);
}

// The optimizer steps a run will take, as its metrics count them; 0 when its config does not say
// (SFT, reward and DPO runs sized in epochs). Online RL's "steps" are rollouts, each followed by
// ppo_epochs passes over its samples in minibatches.
qint64 TrainingView::expectedSteps(const RunInfo& run) {
  const QJsonObject& config = run.config;
  const qint64 steps = config.value("steps").toInteger();
  if (run.kind != "ppo" && run.kind != "rloo" && run.kind != "grpo") return steps;
  const qint64 samples =
      config.value("rollout_prompts").toInteger() * config.value("samples_per_prompt").toInteger();
  const qint64 minibatch = std::max<qint64>(1, config.value("minibatch_size").toInteger());
  const qint64 epochs = std::max<qint64>(1, config.value("ppo_epochs").toInteger());
  return steps * epochs * ((samples + minibatch - 1) / minibatch);
}

void TrainingView::fillEvents() {
  QVector<QPair<qint64, RunEventRow>> rows;
  for (qint64 id : selectedRuns())
    for (const RunEventRow& event : runEvents_.value(id)) rows.push_back({id, event});
  events_->setRowCount(rows.size());
  for (int row = 0; row < rows.size(); ++row) {
    const auto& [id, event] = rows[row];
    setRow(events_, row, {QString::number(id), QString::number(event.step), event.kind, event.message});
    if (event.kind == QLatin1String("warning"))
      for (int column = 0; column < 4; ++column) events_->item(row, column)->setForeground(QColor(0xd3, 0x54, 0x00));
  }
}

void TrainingView::fillCheckpoints() {
  QVector<CheckpointInfo> rows;
  for (qint64 id : selectedRuns()) rows += runCheckpoints_.value(id);
  checkpointTable_->setRowCount(rows.size());
  for (int row = 0; row < rows.size(); ++row) {
    const CheckpointInfo& checkpoint = rows[row];
    setRow(checkpointTable_, row,
           {checkpoint.runId ? QString::number(*checkpoint.runId) : QString(),
            QString::number(checkpoint.step), checkpoint.contentHash.left(12), checkpoint.path});
  }
}

LaunchDialog* TrainingView::newRun() {
  QVector<CheckpointInfo> checkpoints;
  QHash<qint64, QString> kinds;
  try {
    db::Database db(project_.toStdString(), /*create=*/false);
    db::RunBrowser browser(db);
    for (const db::CheckpointRow& row : browser.all_checkpoints())
      checkpoints.push_back({row.id, row.step, row.run_id, QString::fromStdString(row.path),
                             QString::fromStdString(row.content_hash),
                             QString::fromStdString(row.created_at)});
    for (const db::RunListRow& row : browser.runs())
      kinds.insert(row.run.id, QString::fromStdString(row.run.kind));
  } catch (const std::exception& error) {
    showMessage(QString::fromUtf8(error.what()));
  }
  if (dialog_) dialog_->close();
  dialog_ = new LaunchDialog(project_, launcher_, checkpoints, kinds, this);
  dialog_->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog_, &LaunchDialog::launched, this, [this](const QString& name) {
    showMessage(tr("Started %1").arg(name));
    launchedName_ = name;
    pollNow();
  });
  dialog_->show();
  return dialog_;
}

LaunchDialog* TrainingView::resumeSelected() {
  const QVector<RunInfo> infos = selectedInfos();
  if (infos.isEmpty()) return nullptr;
  const RunInfo run = infos.front();
  QString checkpoint;
  try {
    db::Database db(project_.toStdString(), /*create=*/false);
    const auto rows = db::RunBrowser(db).checkpoints(run.id);
    if (!rows.empty()) checkpoint = QString::fromStdString(rows.back().path);
  } catch (const std::exception& error) {
    showMessage(QString::fromUtf8(error.what()));
  }
  if (checkpoint.isEmpty()) {
    showMessage(tr("Run %1 has no checkpoint to resume from").arg(run.id));
    return nullptr;
  }
  LaunchDialog* dialog = newRun();
  QJsonObject config = run.config;
  config.insert("resume_from", checkpoint);
  config.remove("output_dir");  // the resumed run's own folder: the stopped run's stays as it was
  dialog->preset(run.kind, config, run.name + "-resumed");
  return dialog;
}

bool TrainingView::stopSelected() {
  const QVector<RunInfo> infos = selectedInfos();
  const auto live = std::find_if(infos.begin(), infos.end(), [](const RunInfo& info) { return info.isLive(); });
  if (live == infos.end()) return false;
  const RunInfo& run = *live;
  const bool sent = launcher_->stop(run.name, run.pid.value_or(0));
  showMessage(sent ? tr("Asked run %1 to stop; it saves a checkpoint first").arg(run.id)
                   : tr("Run %1 is not a process on this machine").arg(run.id));
  return sent;
}

void TrainingView::exportSelectedCheckpoint() {
  QVector<CheckpointInfo> rows;
  for (qint64 id : selectedRuns()) rows += runCheckpoints_.value(id);
  if (rows.isEmpty()) return showMessage(tr("Select a run with checkpoints first"));
  QStringList labels;
  for (const CheckpointInfo& row : rows) labels << QStringLiteral("step %1: %2").arg(row.step).arg(row.path);
  bool ok = false;
  const QString choice = QInputDialog::getItem(this, tr("Export checkpoint"), tr("Checkpoint:"),
                                               labels, labels.size() - 1, false, &ok);
  if (!ok) return;
  const CheckpointInfo& chosen = rows[labels.indexOf(choice)];
  const QString destination = QFileDialog::getSaveFileName(
      this, tr("Export as a Hugging Face model folder"),
      QDir::home().filePath(QFileInfo(chosen.path).fileName()));
  if (destination.isEmpty()) return;
  QString error;
  showMessage(exportCheckpoint(chosen.path, destination, &error)
                  ? tr("Exported %1 to %2").arg(chosen.path, destination)
                  : error);
}

void TrainingView::showMessage(const QString& text) {
  status_->setText(text);
  Q_EMIT message(text);
}

}  // namespace prefstudio::ui
