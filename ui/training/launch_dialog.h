// LaunchDialog: designs a training run and starts it. The trainer (SFT, reward, DPO, PPO, RLOO,
// GRPO), a name, the checkpoint to start from (the project's own, picked from a list, or any
// folder), for online RL the reward model, and a ConfigForm with every key of that trainer. It
// saves and loads the very JSON `prefstudio-cli train` reads and shows the command line, so a run
// designed here repeats on a GPU server. Launch writes the config next to the project
// (configs/<name>.json), has the CLI check it, and on an error marks the field and starts nothing.
#pragma once

#include <QDialog>
#include <QJsonObject>
#include <QVector>

#include "ui/training/run_snapshot.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace prefstudio::ui {

class ConfigForm;
class RunLauncher;

class LaunchDialog : public QDialog {
  Q_OBJECT

 public:
  // `checkpoints`: the project's, newest first, with their runs' kinds in `runKinds`.
  LaunchDialog(const QString& projectPath, RunLauncher* launcher,
               const QVector<CheckpointInfo>& checkpoints, const QHash<qint64, QString>& runKinds,
               QWidget* parent = nullptr);

  // Opens on `kind` with `config` filled in (e.g. a stopped run's config with resume_from set).
  void preset(const QString& kind, const QJsonObject& config, const QString& name);
  ConfigForm* form() const { return form_; }
  QString kind() const;
  QString runName() const;
  QString configPath() const;  // where Launch writes the config
  // Writes the config file and asks the CLI to check it; launches when it passes. The result
  // arrives as launched() or as the error on the form.
  void launchRun();
  bool isReady() const { return ready_; }

 Q_SIGNALS:
  void ready();  // the form is built (the CLI's defaults arrived)
  void launched(const QString& name);
  void launchFailed(const QString& message);

 private:
  void loadKind(const QString& kind);
  void applyCheckpoint();
  void updateCommandLine();
  bool writeConfig(const QString& path, QString* error);
  void loadFile();
  void saveFile();
  QString modelKey() const;  // the key a picked checkpoint fills: model_dir or policy_dir

  QString project_;
  RunLauncher* launcher_;
  QVector<CheckpointInfo> checkpoints_;
  QHash<qint64, QString> runKinds_;
  QComboBox* kind_;
  QLineEdit* name_;
  QComboBox* start_;
  QComboBox* reward_;
  QLabel* rewardLabel_;
  ConfigForm* form_;
  QLabel* command_;
  QLabel* status_;
  QPushButton* launch_;
  QJsonObject pending_;
  QString autoName_;  // the name the dialog made up; replaced when the trainer changes
  bool ready_ = false;
};

}  // namespace prefstudio::ui
