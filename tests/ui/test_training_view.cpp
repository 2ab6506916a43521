// The Training tab with real runs: a real project, a tiny real model and the real prefstudio-cli
// as the training process. A run is launched through the launch form and watched live through the
// project (points reach the charts, rows reach the store); a config error is shown on its field and
// nothing is launched; Stop ends a run with a checkpoint and Resume continues it from there; a run
// started by a separate CLI process appears in the list and grows; a policy's samples reach the
// labeling queue and its evaluations the reward-against-KL chart.
#include <QJsonDocument>
#include <QLineEdit>
#include <QProcess>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "db/database.h"
#include "db/run_browser.h"
#include "db/run_store.h"
#include "ui/training/calibration_chart.h"
#include "ui/training/checkpoint_export.h"
#include "ui/training/config_form.h"
#include "ui/training/curves_panel.h"
#include "ui/training/frontier_chart.h"
#include "ui/training/launch_dialog.h"
#include "ui/training/metric_chart.h"
#include "ui/training/run_table_model.h"
#include "ui/training/samples_panel.h"
#include "ui/training/training_view.h"

using namespace prefstudio;

namespace {

const QString kCli = PREFSTUDIO_BINARY_DIR "/app/prefstudio-cli";
constexpr int kRunTimeoutMs = 90000;

// Runs the CLI to the end; fails the test on a non-zero exit.
QByteArray cli(const QStringList& args, const QString& workDir) {
  QProcess process;
  process.setWorkingDirectory(workDir);
  process.start(kCli, args);
  if (!process.waitForFinished(120000) || process.exitCode() != 0)
    qWarning() << "prefstudio-cli" << args << "failed:" << process.readAllStandardError();
  return process.readAllStandardOutput();
}

qint64 scalar(const QString& project, const QString& sql) {
  db::Database db(project.toStdString(), false);
  db::Statement statement = db.prepare(sql.toStdString());
  return statement.step() ? statement.column_int(0) : -1;
}

}  // namespace

class TestTrainingView : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString project_, model_;

  // Waits for the launch form to have read the trainer's keys from the CLI.
  static void waitReady(ui::LaunchDialog* dialog) {
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isReady(), 30000);
  }

  // A reward run designed in the form: the tiny model, `steps` steps, a checkpoint every 10.
  void fillRewardForm(ui::LaunchDialog* dialog, int steps) {
    ui::ConfigForm* form = dialog->form();
    form->setValue("model_dir", model_);
    form->setValue("steps", steps);
    form->setValue("log_every", 1);
    form->setValue("eval_every", 40);
    form->setValue("checkpoint_every", 10);
  }

  const ui::RunInfo* runNamed(ui::TrainingView& view, const QString& name) {
    for (int row = 0; row < view.runs()->rowCount(); ++row)
      if (view.runs()->run(row)->name == name) return view.runs()->run(row);
    return nullptr;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFileInfo(kCli).isExecutable());
    qputenv("PREFSTUDIO_CLI", kCli.toUtf8());
    project_ = dir_.filePath("p.sqlite");
    model_ = dir_.filePath("tiny");
    // 40 prompts, three completions each, ranked sorted > as given > reversed by one labeler.
    QFile rankings(dir_.filePath("r.jsonl"));
    QVERIFY(rankings.open(QIODevice::WriteOnly));
    const QStringList words = {"dbca", "cadb", "bdac", "dacb", "cbda", "bcda", "adcb", "dcab"};
    for (int i = 0; i < 40; ++i) {
      const QString word = words[i % words.size()];
      QString sorted = word;
      std::sort(sorted.begin(), sorted.end());
      QString reversed = word;
      std::reverse(reversed.begin(), reversed.end());
      const QJsonObject line{{"prompt", QStringLiteral("Sort: %1 #%2").arg(word).arg(i)},
                             {"completions", QJsonArray{word, sorted, reversed}},
                             {"ranking", QJsonArray{1, 0, 2}},
                             {"labeler", "ana"}};
      rankings.write(QJsonDocument(line).toJson(QJsonDocument::Compact) + "\n");
    }
    rankings.close();
    QFile tiny(dir_.filePath("tiny.json"));
    QVERIFY(tiny.open(QIODevice::WriteOnly));
    tiny.write(R"({"model_type": "gpt2", "vocab_size": 257, "n_positions": 64, "n_embd": 32,
                   "n_layer": 2, "n_head": 4, "tokenizer": "byte", "seed": 7})");
    tiny.close();
    cli({"init", project_}, dir_.path());
    cli({"import", project_, "r.jsonl", "--quiet"}, dir_.path());
    cli({"model", "init", "--config", "tiny.json", "--out", model_}, dir_.path());
    QVERIFY(QFileInfo::exists(model_ + "/model.safetensors"));
  }

  void configErrorIsShownOnItsFieldAndNothingLaunches() {
    ui::TrainingView view(project_);
    view.show();
    ui::LaunchDialog* dialog = view.newRun();
    dialog->preset("reward", {}, "bad-lr");
    waitReady(dialog);
    fillRewardForm(dialog, 50);
    dialog->form()->setValue("optimizer.lr", -1.0);
    QSignalSpy failed(dialog, &ui::LaunchDialog::launchFailed);
    dialog->launchRun();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    QVERIFY2(dialog->form()->errorText().contains("optimizer.lr"),
             qPrintable(dialog->form()->errorText()));
    QVERIFY(dialog->form()->field("optimizer.lr")->styleSheet().contains("border"));
    QCOMPARE(scalar(project_, "SELECT COUNT(*) FROM runs WHERE name = 'bad-lr'"), 0);
    // The form wrote the very file the CLI would read, and shows the command line.
    QVERIFY(QFileInfo::exists(dialog->configPath()));
  }

  void launchWatchStopAndResume() {
    ui::TrainingView view(project_);
    view.show();
    ui::LaunchDialog* dialog = view.newRun();
    dialog->preset("reward", {}, "gui-reward");
    waitReady(dialog);
    fillRewardForm(dialog, 5000);  // far more than the test waits for: it is stopped
    QSignalSpy launched(dialog, &ui::LaunchDialog::launched);
    dialog->launchRun();
    QTRY_COMPARE_WITH_TIMEOUT(launched.count(), 1, 30000);

    QTRY_VERIFY_WITH_TIMEOUT(runNamed(view, "gui-reward") != nullptr, 30000);
    const qint64 runId = runNamed(view, "gui-reward")->id;
    view.selectRuns({runId});
    QTRY_VERIFY_WITH_TIMEOUT(runNamed(view, "gui-reward")->state == "running", 30000);
    // Points reach the loss chart while the run trains, and rows reach the store.
    QTRY_VERIFY_WITH_TIMEOUT(view.curves()->chart("loss_train") != nullptr, kRunTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(view.curves()->chart("loss_train")->pointCount(QString::number(runId) + "/loss_train") >= 20,
                             kRunTimeoutMs);
    QVERIFY(scalar(project_, QStringLiteral("SELECT COUNT(*) FROM run_metrics WHERE run_id = %1 "
                                            "AND name = 'loss_train'").arg(runId)) >= 20);
    QTRY_VERIFY_WITH_TIMEOUT(scalar(project_, QStringLiteral("SELECT COUNT(*) FROM checkpoints "
                                                             "WHERE run_id = %1").arg(runId)) >= 1,
                             kRunTimeoutMs);
    QVERIFY(view.progress()->value() > 0);

    // Stop: the run ends as stopped, with a final checkpoint at its last step.
    QVERIFY(view.stopSelected());
    QTRY_COMPARE_WITH_TIMEOUT(runNamed(view, "gui-reward")->state, QString("stopped"), kRunTimeoutMs);
    const qint64 stoppedAt = scalar(project_, QStringLiteral("SELECT MAX(step) FROM checkpoints WHERE run_id = %1").arg(runId));
    QVERIFY(stoppedAt > 0 && stoppedAt < 5000);

    // Resume: the same config from the last checkpoint, 30 steps further.
    ui::LaunchDialog* resume = view.resumeSelected();
    QVERIFY(resume);
    waitReady(resume);
    QTRY_COMPARE(resume->form()->value("resume_from").toString().isEmpty(), false);
    resume->form()->setValue("steps", stoppedAt + 30);
    QSignalSpy resumed(resume, &ui::LaunchDialog::launched);
    resume->launchRun();
    QTRY_COMPARE_WITH_TIMEOUT(resumed.count(), 1, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(runNamed(view, "gui-reward-resumed") != nullptr, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(runNamed(view, "gui-reward-resumed")->state, QString("finished"), kRunTimeoutMs);
    const qint64 resumedId = runNamed(view, "gui-reward-resumed")->id;
    QCOMPARE(scalar(project_, QStringLiteral("SELECT MIN(step) FROM run_metrics WHERE run_id = %1").arg(resumedId)),
             stoppedAt + 1);
    QCOMPARE(scalar(project_, QStringLiteral("SELECT MAX(step) FROM run_metrics WHERE run_id = %1").arg(resumedId)),
             stoppedAt + 30);
    // The reward model's calibration reaches its chart.
    view.selectRuns({resumedId});
    QTRY_VERIFY_WITH_TIMEOUT(view.calibration()->report().contains("reliability"), 30000);

    // Its checkpoint exported as a model folder: the files, and nothing half-copied on a retry.
    db::Database db(project_.toStdString(), false);
    const auto checkpoints = db::RunBrowser(db).checkpoints(resumedId);
    QVERIFY(!checkpoints.empty());
    const QString exported = dir_.filePath("exported-reward");
    QString error;
    QVERIFY2(ui::exportCheckpoint(QString::fromStdString(checkpoints.back().path), exported, &error),
             qPrintable(error));
    for (const char* file : {"config.json", "model.safetensors", "prefstudio.json"})
      QVERIFY2(QFileInfo::exists(exported + "/" + file), file);
    QVERIFY(!QFileInfo::exists(exported + ".partial"));
    QVERIFY(!ui::exportCheckpoint(QString::fromStdString(checkpoints.back().path), exported, &error));
    QVERIFY(error.contains("already exists"));
  }

  // An online-RL checkpoint keeps its policy in policy/ beside the critic: that is the model.
  void rlCheckpointExportsItsPolicy() {
    const QString checkpoint = dir_.filePath("rl-step");
    QVERIFY(QDir().mkpath(checkpoint + "/policy") && QDir().mkpath(checkpoint + "/value"));
    QVERIFY(QFile::copy(model_ + "/config.json", checkpoint + "/policy/config.json"));
    QVERIFY(QFile::copy(model_ + "/model.safetensors", checkpoint + "/policy/model.safetensors"));
    QCOMPARE(ui::modelFolderOf(checkpoint), QDir(checkpoint).filePath("policy"));
    QVERIFY(ui::modelFolderOf(dir_.filePath("r.jsonl")).isEmpty());
  }

  void runFromAnotherProcessAppearsAndGrows() {
    ui::TrainingView view(project_);
    view.show();
    QFile config(dir_.filePath("terminal.json"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(QJsonDocument(QJsonObject{{"reward", QJsonObject{{"model_dir", model_},
                                                                 {"output_dir", dir_.filePath("terminal-rm")},
                                                                 {"steps", 2000},
                                                                 {"log_every", 1}}}})
                     .toJson());
    config.close();
    QProcess terminal;
    terminal.start(kCli, {"train", "reward", project_, "--config", config.fileName(), "--name", "from-terminal"});
    QVERIFY(terminal.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(runNamed(view, "from-terminal") != nullptr, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(runNamed(view, "from-terminal")->lastStep > 0, kRunTimeoutMs);
    const qint64 first = runNamed(view, "from-terminal")->lastStep;
    QTRY_VERIFY_WITH_TIMEOUT(runNamed(view, "from-terminal")->lastStep > first, kRunTimeoutMs);
    QCOMPARE(runNamed(view, "from-terminal")->state, QString("running"));
    terminal.terminate();  // SIGTERM: a clean stop
    QVERIFY(terminal.waitForFinished(60000));
    QTRY_COMPARE_WITH_TIMEOUT(runNamed(view, "from-terminal")->state, QString("stopped"), 30000);
  }

  // A policy run's evaluation and samples as a trainer stores them (RunStore, the CLI's writer):
  // the frontier gets its points, the samples their rows, and a sample sent to the labeling queue
  // becomes a new completion of its prompt, once.
  void samplesReachTheQueueAndEvaluationsTheFrontier() {
    qint64 runId = 0;
    {
      db::Database db(project_.toStdString(), false);
      db::RunStore store(db);
      runId = store.create_run("grpo", "stored-policy", "{\"steps\": 20}");
      store.append_metrics(runId, 10, {{"objective/scores", 0.4}}, 1.0);
      store.add_evaluation(runId, 10, "policy", R"({"kl": 0.5, "reward": 0.1, "true_score": 0.6})");
      store.add_evaluation(runId, 20, "policy", R"({"kl": 1.5, "reward": 0.3, "true_score": 0.7})");
      db::RunSample sample;
      sample.prompt = "Sort: dbca #0";
      sample.completion = "abcd!";  // not among the prompt's completions yet
      sample.finish_reason = "eos";
      sample.reward = 0.25;
      store.add_samples(runId, 20, {sample});
      store.finish_run(runId, "finished");
      // A run whose process died long ago without finishing its row: shown as gone.
      const qint64 dead = store.create_run("sft", "crashed", "{}");
      db.prepare("UPDATE runs SET started_at = '2026-01-01T00:00:00.000Z' WHERE id = ?")
          .bind(1, static_cast<int64_t>(dead))
          .run();
    }
    ui::TrainingView view(project_);
    view.show();
    QTRY_VERIFY_WITH_TIMEOUT(runNamed(view, "stored-policy") != nullptr, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(view.frontier()->pointCount(QString::number(runId)), 2, 30000);
    QCOMPARE(runNamed(view, "crashed")->state, QString("gone"));
    view.selectRuns({runId});
    QTRY_COMPARE_WITH_TIMEOUT(view.samples()->rowCount(), 1, 30000);
    const QString count = "SELECT COUNT(*) FROM completions WHERE text = 'abcd!'";
    QCOMPARE(scalar(project_, count), 0);
    QCOMPARE(view.samples()->sendRows({0}), 1);
    QCOMPARE(scalar(project_, count), 1);
    QCOMPARE(view.samples()->sendRows({0}), 0);  // already a completion: not added twice
    QCOMPARE(scalar(project_, count), 1);
  }
};

QTEST_MAIN(TestTrainingView)
#include "test_training_view.moc"
