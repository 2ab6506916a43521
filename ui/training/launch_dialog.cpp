// LaunchDialog (see launch_dialog.h).
#include "ui/training/launch_dialog.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>

#include "ui/training/config_form.h"
#include "ui/training/run_launcher.h"

namespace prefstudio::ui {

namespace {

const QStringList kKinds = {"sft", "reward", "dpo", "ppo", "rloo", "grpo"};

bool isRl(const QString& kind) { return kind == "ppo" || kind == "rloo" || kind == "grpo"; }

QString checkpointLabel(const CheckpointInfo& checkpoint, const QHash<qint64, QString>& kinds) {
  const QString run = checkpoint.runId
                          ? QStringLiteral("run %1 (%2)").arg(*checkpoint.runId)
                                .arg(kinds.value(*checkpoint.runId))
                          : QStringLiteral("no run");
  return QStringLiteral("%1, step %2: %3").arg(run).arg(checkpoint.step).arg(checkpoint.path);
}

}  // namespace

LaunchDialog::LaunchDialog(const QString& projectPath, RunLauncher* launcher,
                           const QVector<CheckpointInfo>& checkpoints,
                           const QHash<qint64, QString>& runKinds, QWidget* parent)
    : QDialog(parent),
      project_(projectPath),
      launcher_(launcher),
      checkpoints_(checkpoints),
      runKinds_(runKinds) {
  setObjectName("launchDialog");
  setWindowTitle(tr("New training run"));
  resize(760, 820);
  auto* top = new QFormLayout;
  kind_ = new QComboBox(this);
  kind_->setObjectName("kind");
  kind_->addItems(kKinds);
  name_ = new QLineEdit(this);
  name_->setObjectName("runName");
  start_ = new QComboBox(this);
  start_->setObjectName("startCheckpoint");
  reward_ = new QComboBox(this);
  reward_->setObjectName("rewardCheckpoint");
  rewardLabel_ = new QLabel(tr("Reward model"), this);
  top->addRow(tr("Trainer"), kind_);
  top->addRow(tr("Name"), name_);
  top->addRow(tr("Start from"), start_);
  top->addRow(rewardLabel_, reward_);

  form_ = new ConfigForm(this);
  command_ = new QLabel(this);
  command_->setObjectName("commandLine");
  command_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  command_->setWordWrap(true);
  command_->setStyleSheet("font-family: monospace;");
  status_ = new QLabel(this);
  status_->setObjectName("launchStatus");
  status_->setWordWrap(true);

  auto* buttons = new QDialogButtonBox(this);
  QPushButton* load = buttons->addButton(tr("Load JSON..."), QDialogButtonBox::ActionRole);
  QPushButton* save = buttons->addButton(tr("Save JSON..."), QDialogButtonBox::ActionRole);
  launch_ = buttons->addButton(tr("Launch"), QDialogButtonBox::AcceptRole);
  launch_->setObjectName("launchButton");
  buttons->addButton(QDialogButtonBox::Cancel);
  connect(load, &QPushButton::clicked, this, &LaunchDialog::loadFile);
  connect(save, &QPushButton::clicked, this, &LaunchDialog::saveFile);
  connect(launch_, &QPushButton::clicked, this, &LaunchDialog::launchRun);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(form_, 1);
  layout->addWidget(command_);
  layout->addWidget(status_);
  layout->addWidget(buttons);

  connect(kind_, &QComboBox::currentTextChanged, this, &LaunchDialog::loadKind);
  connect(start_, &QComboBox::currentIndexChanged, this, &LaunchDialog::applyCheckpoint);
  connect(reward_, &QComboBox::currentIndexChanged, this, &LaunchDialog::applyCheckpoint);
  connect(name_, &QLineEdit::textChanged, this, &LaunchDialog::updateCommandLine);
  connect(form_, &ConfigForm::edited, this, &LaunchDialog::updateCommandLine);
  loadKind(kind_->currentText());
}

QString LaunchDialog::kind() const { return kind_->currentText(); }
QString LaunchDialog::runName() const { return name_->text().trimmed(); }

QString LaunchDialog::configPath() const {
  return QFileInfo(project_).absoluteDir().filePath("configs/" + runName() + ".json");
}

QString LaunchDialog::modelKey() const {
  return kind() == "sft" || kind() == "reward" ? QStringLiteral("model_dir")
                                               : QStringLiteral("policy_dir");
}

void LaunchDialog::preset(const QString& kind, const QJsonObject& config, const QString& name) {
  pending_ = config;
  name_->setText(name);
  if (kind_->currentText() == kind && ready_) {
    form_->setValues(pending_);
    pending_ = {};
    updateCommandLine();
  } else {
    kind_->setCurrentText(kind);
  }
}

void LaunchDialog::loadKind(const QString& kind) {
  ready_ = false;
  launch_->setEnabled(false);
  status_->setText(tr("Reading the %1 trainer's keys from prefstudio-cli...").arg(kind));
  if (name_->text().isEmpty() || name_->text() == autoName_) {
    autoName_ = kind + "-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
    name_->setText(autoName_);
  }
  start_->blockSignals(true);
  reward_->blockSignals(true);
  start_->clear();
  reward_->clear();
  start_->addItem(tr("(as in the form)"), QString());
  reward_->addItem(tr("(as in the form)"), QString());
  for (const CheckpointInfo& checkpoint : checkpoints_) {
    const QString runKind = checkpoint.runId ? runKinds_.value(*checkpoint.runId) : QString();
    const QString label = checkpointLabel(checkpoint, runKinds_);
    if (runKind == "reward") reward_->addItem(label, checkpoint.path);
    if (runKind != "reward" || kind == "reward") start_->addItem(label, checkpoint.path);
  }
  start_->blockSignals(false);
  reward_->blockSignals(false);
  reward_->setVisible(isRl(kind));
  rewardLabel_->setVisible(isRl(kind));
  launcher_->fetchDefaults(kind, [this, kind](const QJsonObject& defaults, const QString& error) {
    if (kind != kind_->currentText()) return;  // the user moved on
    if (!error.isEmpty()) {
      status_->setText(tr("Cannot read the trainer's keys: %1").arg(error));
      return;
    }
    form_->build(defaults.value("config").toObject(), defaults.value("choices").toObject());
    form_->setValue("output_dir",
                    QFileInfo(project_).absoluteDir().filePath("models/" + runName()));
    if (!pending_.isEmpty()) form_->setValues(pending_);
    pending_ = {};
    status_->clear();
    ready_ = true;
    launch_->setEnabled(true);
    updateCommandLine();
    Q_EMIT ready();
  });
}

void LaunchDialog::applyCheckpoint() {
  if (!ready_) return;
  const QString start = start_->currentData().toString();
  if (!start.isEmpty()) form_->setValue(modelKey(), start);
  const QString reward = reward_->currentData().toString();
  if (!reward.isEmpty() && isRl(kind())) form_->setValue("reward.model", reward);
  updateCommandLine();
}

void LaunchDialog::updateCommandLine() {
  command_->setText(RunLauncher::commandLine(kind(), project_, configPath(), runName()));
}

bool LaunchDialog::writeConfig(const QString& path, QString* error) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile file(path);  // written whole and renamed: a reader never sees half a config
  QJsonObject root{{kind(), form_->toJson()}};
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(QJsonDocument(root).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
    if (error) *error = path + ": " + file.errorString();
    return false;
  }
  return true;
}

void LaunchDialog::launchRun() {
  if (!ready_) return;
  form_->clearError();
  if (runName().isEmpty() || runName().contains('/')) {
    status_->setText(tr("Give the run a name (no '/')."));
    return;
  }
  QString error;
  const QString path = configPath();
  if (!writeConfig(path, &error)) {
    status_->setText(error);
    return;
  }
  launch_->setEnabled(false);
  status_->setText(tr("Checking the config..."));
  launcher_->check(kind(), path, [this, path](const RunLauncher::Check& check) {
    launch_->setEnabled(true);
    if (!check.ok) {
      form_->showError(check.field, check.message);
      status_->setText(tr("Not launched: %1").arg(check.message));
      Q_EMIT launchFailed(check.message);
      return;
    }
    QString startError;
    if (!launcher_->launch(kind(), project_, path, runName(), &startError)) {
      status_->setText(tr("Cannot start prefstudio-cli: %1").arg(startError));
      Q_EMIT launchFailed(startError);
      return;
    }
    Q_EMIT launched(runName());
    accept();
  });
}

void LaunchDialog::loadFile() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Load config"), QString(),
                                                    tr("JSON (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  QFile file(path);
  QJsonParseError parseError;
  const QJsonDocument document = file.open(QIODevice::ReadOnly)
                                     ? QJsonDocument::fromJson(file.readAll(), &parseError)
                                     : QJsonDocument();
  if (!document.isObject()) {
    status_->setText(tr("%1: not a JSON object").arg(path));
    return;
  }
  QJsonObject root = document.object();
  for (const QString& candidate : kKinds) {
    if (root.size() == 1 && root.contains(candidate) && root.value(candidate).isObject()) {
      preset(candidate, root.value(candidate).toObject(), runName());
      return;
    }
  }
  preset(kind(), root, runName());
}

void LaunchDialog::saveFile() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save config"), configPath(),
                                                    tr("JSON (*.json)"));
  if (path.isEmpty()) return;
  QString error;
  status_->setText(writeConfig(path, &error) ? tr("Saved %1").arg(path) : error);
}

}  // namespace prefstudio::ui
