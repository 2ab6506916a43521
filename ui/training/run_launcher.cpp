// RunLauncher (see run_launcher.h).
#include "ui/training/run_launcher.h"

#include <signal.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

namespace prefstudio::ui {

namespace {

constexpr int kOutputTailBytes = 4000;

QString quoted(const QString& word) {
  if (!word.isEmpty() && !word.contains(QRegularExpression("[^A-Za-z0-9_./=:-]"))) return word;
  QString escaped = word;
  escaped.replace("'", "'\\''");
  return "'" + escaped + "'";
}

}  // namespace

RunLauncher::RunLauncher(QObject* parent) : QObject(parent) {}

RunLauncher::~RunLauncher() {
  // Runs outlive the window on purpose (the database is their channel): detach, do not kill.
  for (QProcess* process : runs_) {
    process->disconnect(this);
    process->setParent(nullptr);
  }
}

QString RunLauncher::cliPath() {
  const QString fromEnv = qEnvironmentVariable("PREFSTUDIO_CLI");
  if (!fromEnv.isEmpty()) return fromEnv;
  const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath("prefstudio-cli");
  if (QFileInfo(beside).isExecutable()) return beside;
  const QString onPath = QStandardPaths::findExecutable("prefstudio-cli");
  return onPath.isEmpty() ? QStringLiteral("prefstudio-cli") : onPath;
}

QString RunLauncher::commandLine(const QString& kind, const QString& project,
                                 const QString& config, const QString& name) {
  return QStringList{"prefstudio-cli", "train", kind, quoted(project), "--config", quoted(config),
                     "--name", quoted(name)}
      .join(' ');
}

void RunLauncher::runCli(const QStringList& args,
                         std::function<void(int exitCode, const QByteArray& out)> done) {
  auto* process = new QProcess(this);
  process->setProcessChannelMode(QProcess::SeparateChannels);
  connect(process, &QProcess::finished, this, [process, done](int exitCode) {
    const QByteArray out = process->readAllStandardOutput();
    const QByteArray err = process->readAllStandardError();
    process->deleteLater();
    done(exitCode, out.isEmpty() ? err : out);
  });
  connect(process, &QProcess::errorOccurred, this, [process, done](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;
    process->deleteLater();
    done(-1, QByteArray("cannot start ") + cliPath().toUtf8());
  });
  process->start(cliPath(), args);
}

void RunLauncher::fetchDefaults(
    const QString& kind, std::function<void(const QJsonObject&, const QString&)> done) {
  if (defaults_.contains(kind)) return done(defaults_.value(kind), QString());
  runCli({"config", "defaults", kind}, [this, kind, done](int exitCode, const QByteArray& out) {
    const QJsonObject object = QJsonDocument::fromJson(out).object();
    if (exitCode != 0 || !object.value("config").isObject())
      return done({}, QString::fromUtf8(out).trimmed());
    defaults_.insert(kind, object);
    done(object, QString());
  });
}

void RunLauncher::check(const QString& kind, const QString& configPath,
                        std::function<void(const Check&)> done) {
  runCli({"config", "check", kind, configPath}, [done](int exitCode, const QByteArray& out) {
    const QJsonObject object = QJsonDocument::fromJson(out).object();
    Check result;
    result.ok = exitCode == 0 && object.value("ok").toBool();
    result.field = object.value("field").toString();
    result.message = object.contains("message") ? object.value("message").toString()
                                                : QString::fromUtf8(out).trimmed();
    done(result);
  });
}

bool RunLauncher::launch(const QString& kind, const QString& project, const QString& configPath,
                         const QString& name, QString* error) {
  auto* process = new QProcess(this);
  process->setStandardOutputFile(QProcess::nullDevice());  // metrics reach us through the project
  process->start(cliPath(), {"train", kind, project, "--config", configPath, "--name", name});
  if (!process->waitForStarted(10000)) {
    if (error) *error = process->errorString();
    process->deleteLater();
    return false;
  }
  runs_.insert(name, process);
  connect(process, &QProcess::finished, this, [this, process, name](int exitCode) {
    QByteArray err = process->readAllStandardError();
    if (err.size() > kOutputTailBytes) err = err.right(kOutputTailBytes);
    runs_.remove(name);
    process->deleteLater();
    Q_EMIT runProcessEnded(name, exitCode, QString::fromUtf8(err));
  });
  return true;
}

bool RunLauncher::stop(const QString& name, qint64 pid) {
  if (QProcess* process = runs_.value(name)) {
    process->terminate();  // SIGTERM: the CLI stops after the current step, with a checkpoint
    return true;
  }
  return pid > 0 && ::kill(static_cast<pid_t>(pid), SIGTERM) == 0;
}

int RunLauncher::activeCount() const { return runs_.size(); }

}  // namespace prefstudio::ui
