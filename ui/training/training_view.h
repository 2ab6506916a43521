// TrainingView: the Training tab. The runs list (every run of the project, however started: from
// here, from a terminal, or finished on a GPU server and copied back), and for the selected runs
// their live curves, the reward model's calibration, the reward-against-KL frontier of every policy
// run, the trainers' events, the policy's samples and the checkpoints. A run is launched as a
// prefstudio-cli process (RunLauncher) and watched only through the project database (RunPoller,
// on a thread of its own), so training never blocks labeling and a crash in training cannot take
// the window down. Stop asks the run to stop with a final checkpoint; Resume relaunches a run's
// config from its last checkpoint; Export copies a checkpoint as a Hugging Face model folder.
#pragma once

#include <QHash>
#include <QPointer>
#include <QVector>
#include <QWidget>

#include "ui/training/run_snapshot.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;
class QTableWidget;
class QThread;

namespace prefstudio::ui {

class CalibrationChart;
class CurvesPanel;
class FrontierChart;
class LaunchDialog;
class RunLauncher;
class RunPoller;
class RunTableModel;
class SamplesPanel;

class TrainingView : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingView(const QString& projectPath, QWidget* parent = nullptr);
  ~TrainingView() override;

  RunTableModel* runs() const { return model_; }
  CurvesPanel* curves() const { return curves_; }
  CalibrationChart* calibration() const { return calibration_; }
  FrontierChart* frontier() const { return frontier_; }
  SamplesPanel* samples() const { return samples_; }
  RunLauncher* launcher() const { return launcher_; }
  QTableWidget* events() const { return events_; }
  QTableWidget* checkpoints() const { return checkpointTable_; }
  QTabWidget* details() const { return details_; }
  QProgressBar* progress() const { return progress_; }

  // Selects these runs in the list (their details follow).
  void selectRuns(const QVector<qint64>& runIds);
  QVector<qint64> selectedRuns() const;
  QVector<qint64> allRuns() const;
  // Opens the launch form (not modal: labeling goes on behind it); returns it.
  LaunchDialog* newRun();
  // The form for resuming the first selected run from its last checkpoint; nullptr (and a
  // message) when it has none.
  LaunchDialog* resumeSelected();
  // Asks the first running run among the selected to stop (it saves a checkpoint first).
  bool stopSelected();
  void pollNow();

 Q_SIGNALS:
  void runsListed();                // the runs list was refreshed
  void runUpdated(qint64 runId);    // new data of a watched run reached the panels
  void message(const QString& text);

 private:
  QWidget* buildToolbar();
  void buildDetails();
  void onRunsListed(const QVector<RunInfo>& runs);
  void onRunUpdated(const RunUpdate& update);
  void onFrontier(const QHash<qint64, QVector<PolicyPoint>>& points);
  void onSelectionChanged();
  void selectNewestTrainedRun(const QVector<RunInfo>& runs);
  void updateProgress();
  static qint64 expectedSteps(const RunInfo& run);
  void updateBest(qint64 runId, const QVector<QPointF>& points);
  void fillEvents();
  void fillCheckpoints();
  void exportSelectedCheckpoint();
  void showMessage(const QString& text);
  QVector<RunInfo> selectedInfos() const;

  QString project_;
  RunTableModel* model_;
  QTableView* table_;
  RunLauncher* launcher_;
  RunPoller* poller_;
  QThread* thread_;
  QTabWidget* details_ = nullptr;
  CurvesPanel* curves_ = nullptr;
  CalibrationChart* calibration_ = nullptr;
  FrontierChart* frontier_ = nullptr;
  SamplesPanel* samples_ = nullptr;
  QTableWidget* events_ = nullptr;
  QTableWidget* checkpointTable_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* progressText_ = nullptr;
  QLabel* status_ = nullptr;
  QPushButton* stop_ = nullptr;
  QPushButton* resume_ = nullptr;
  QHash<qint64, QVector<RunEventRow>> runEvents_;
  QHash<qint64, QVector<CheckpointInfo>> runCheckpoints_;
  QHash<qint64, QVector<PolicyPoint>> frontierPoints_;
  QPointer<LaunchDialog> dialog_;
  bool listedOnce_ = false;
  QString launchedName_;  // selected once it is listed
};

}  // namespace prefstudio::ui
