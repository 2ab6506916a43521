// ImportDialog and the import / export entry points (see import_dialog.h). The dialog waits in a
// local event loop for the task's finished signal rather than in exec(): a cancel hides the dialog
// at once, but the call returns only once the worker has rolled back and stopped.
#include "ui/import_dialog.h"

#include <QEventLoop>
#include <QMessageBox>

#include "db/jsonl_exporter.h"
#include "db/jsonl_importer.h"
#include "db/schema.h"

namespace prefstudio::ui {

namespace {

constexpr int kProgressSteps = 1000;  // the dialog's range: done/total can exceed an int

QString importSummary(const db::ImportReport& report) {
  return QStringLiteral(
             "Imported %1 lines (%2): %3 new prompts, %4 new completions, %5 new "
             "rankings, %6 replaced, %7 unchanged, %8 new labelers.")
      .arg(report.lines)
      .arg(QString::fromStdString(report.format.empty() ? "empty" : report.format))
      .arg(report.prompts_added)
      .arg(report.completions_added)
      .arg(report.rankings_added)
      .arg(report.rankings_replaced)
      .arg(report.rankings_unchanged)
      .arg(report.labelers_added);
}

TaskOutcome finish(QWidget* parent, const QString& title, const TaskOutcome& outcome,
                   bool showResult) {
  if (showResult) {
    if (outcome.ok)
      QMessageBox::information(parent, title, outcome.message);
    else if (outcome.cancelled)
      QMessageBox::information(parent, title, outcome.message);
    else
      QMessageBox::warning(parent, title, outcome.message);
  }
  return outcome;
}

}  // namespace

ImportDialog::ImportDialog(const QString& title, BackgroundTask::Job job, QWidget* parent)
    : QProgressDialog(title, tr("Cancel"), 0, kProgressSteps, parent),
      task_(std::make_unique<BackgroundTask>(std::move(job))) {
  setWindowTitle(title);
  setWindowModality(Qt::WindowModal);
  setAutoClose(false);
  setAutoReset(false);
  setMinimumDuration(300);  // ms: a small file finishes without a flashing dialog
  setValue(0);
  connect(task_.get(), &BackgroundTask::progressed, this, &ImportDialog::onProgress);
  connect(task_.get(), &BackgroundTask::finished, this, &ImportDialog::onFinished);
  connect(this, &QProgressDialog::canceled, this, [this] {
    setLabelText(tr("Cancelling: rolling back…"));
    task_->cancel();
  });
}

TaskOutcome ImportDialog::run() {
  QEventLoop loop;
  connect(task_.get(), &BackgroundTask::finished, &loop, &QEventLoop::quit);
  task_->start();
  loop.exec();
  // reset() with autoClose hides the dialog AND stops its minimum-duration timer: a plain hide()
  // let that timer show the finished dialog again, window-modal, over the result box.
  setAutoClose(true);
  reset();
  return outcome_;
}

void ImportDialog::onProgress(qint64 done, qint64 total) {
  if (total <= 0 || wasCanceled()) return;
  setValue(static_cast<int>(std::min<qint64>(kProgressSteps, done * kProgressSteps / total)));
}

void ImportDialog::onFinished(bool ok, bool cancelled, const QString& message) {
  outcome_ = TaskOutcome{ok, cancelled, message};
  if (ok) setValue(kProgressSteps);
}

TaskOutcome runImport(QWidget* parent, const QString& projectPath, const QString& file,
                      bool showResult) {
  const std::string project = projectPath.toStdString(), path = file.toStdString();
  ImportDialog dialog(
      QObject::tr("Importing %1").arg(file),
      [project, path](const auto& progress) {
        db::Database db = db::open_project(project, /*create=*/false);
        return importSummary(db::import_jsonl(db, path, progress));
      },
      parent);
  return finish(parent, QObject::tr("Import"), dialog.run(), showResult);
}

TaskOutcome runExport(QWidget* parent, const QString& projectPath, const ExportRequest& request,
                      bool showResult) {
  const std::string project = projectPath.toStdString(), out = request.output.toStdString();
  db::ExportOptions options;
  try {
    options.format = request.format.toStdString();
    options.split.split = db::parse_split(request.split.toStdString());
    options.split.seed = request.seed;
    options.split.validation_fraction = request.validationFraction;
    options.mode = db::parse_pair_mode(request.mode.toStdString());
  } catch (const std::exception& e) {
    return finish(parent, QObject::tr("Export"), {false, false, QString::fromStdString(e.what())},
                  showResult);
  }
  ImportDialog dialog(
      QObject::tr("Exporting %1").arg(request.output),
      [project, out, options](const auto& progress) {
        db::Database db = db::open_project(project, /*create=*/false);
        int64_t rows = db::export_jsonl(db, options, out, progress);
        return QObject::tr("Exported %1 rows to %2").arg(rows).arg(QString::fromStdString(out));
      },
      parent);
  return finish(parent, QObject::tr("Export"), dialog.run(), showResult);
}

}  // namespace prefstudio::ui
