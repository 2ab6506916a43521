// RunLauncher: the Training tab's door to prefstudio-cli. A run is a `prefstudio-cli train KIND
// PROJECT --config FILE --name NAME` process, never a thread of the GUI, so a crash in training
// cannot take labeling down; the run reports through the project database, not through the pipe.
// The launcher also asks the CLI (asynchronously: it takes a second to start) for a trainer's
// defaults (`config defaults KIND`) and checks a config file as `train` will read it (`config
// check KIND FILE`), so the GUI never duplicates the trainers' rules. Stop sends SIGTERM, which the
// CLI turns into a clean stop with a final checkpoint, also to a run started from a terminal.
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>

class QProcess;

namespace prefstudio::ui {

class RunLauncher : public QObject {
  Q_OBJECT

 public:
  // The result of `config check`: ok, or the field of the first error (e.g. "dpo.beta", "" when
  // the error names none) and the CLI's message.
  struct Check {
    bool ok = false;
    QString field, message;
  };

  explicit RunLauncher(QObject* parent = nullptr);
  ~RunLauncher() override;

  // $PREFSTUDIO_CLI if set, else prefstudio-cli beside this program, else the one on PATH.
  static QString cliPath();
  // The command line that runs this config, as a user would type it (shown in the launch form).
  static QString commandLine(const QString& kind, const QString& project, const QString& config,
                             const QString& name);

  // `config defaults KIND`, cached per kind; `done` gets the parsed object or an error message.
  void fetchDefaults(const QString& kind,
                     std::function<void(const QJsonObject& defaults, const QString& error)> done);
  void check(const QString& kind, const QString& configPath, std::function<void(const Check&)> done);

  // Starts the run; false with *error when the process cannot start.
  bool launch(const QString& kind, const QString& project, const QString& configPath,
              const QString& name, QString* error);
  // SIGTERM to the run's process: the one this launcher started under `name`, or else `pid`
  // (a run started elsewhere on this machine). False when there is nothing to signal.
  bool stop(const QString& name, qint64 pid);
  int activeCount() const;

 Q_SIGNALS:
  // A process this launcher started ended; `output` is the tail of what it printed (its error).
  void runProcessEnded(const QString& name, int exitCode, const QString& output);

 private:
  void runCli(const QStringList& args, std::function<void(int exitCode, const QByteArray& out)> done);

  QHash<QString, QJsonObject> defaults_;
  QHash<QString, QProcess*> runs_;
};

}  // namespace prefstudio::ui
