// ImportDialog: the modal progress dialog of an import or export, which runs the work on a
// BackgroundTask with its own Database connection. Cancel makes the job's progress callback return
// false, so db throws ImportCancelled and keeps nothing: the project (or the export's destination)
// is left as it was. runImport / runExport are what the main window's menus call.
#pragma once

#include <QProgressDialog>
#include <QString>
#include <memory>

#include "ui/background_task.h"

namespace prefstudio::ui {

struct TaskOutcome {
  bool ok = false;
  bool cancelled = false;
  QString message;  // the report on success, the error otherwise
};

// What to export, as `prefstudio-cli export` takes it.
struct ExportRequest {
  QString format = QStringLiteral("pairs");      // pairs | rankings | sft
  QString split = QStringLiteral("all");         // train | validation | all
  QString mode = QStringLiteral("per_labeler");  // per_labeler | consensus
  double validationFraction = 0.1;               // share of prompts held out, e.g. 0.1
  quint64 seed = 0;                              // split seed; another seed, another split
  QString output;                                // the .jsonl to write
};

class ImportDialog : public QProgressDialog {
  Q_OBJECT

 public:
  ImportDialog(const QString& title, BackgroundTask::Job job, QWidget* parent = nullptr);
  // Starts the job, runs the dialog until it ends, returns how it ended.
  TaskOutcome run();
  BackgroundTask* task() const { return task_.get(); }

 private:
  void onProgress(qint64 done, qint64 total);
  void onFinished(bool ok, bool cancelled, const QString& message);

  std::unique_ptr<BackgroundTask> task_;
  TaskOutcome outcome_;
};

// Imports `file` into the project at `projectPath` in the background. With showResult, a message
// box tells the user how it ended (tests pass false).
TaskOutcome runImport(QWidget* parent, const QString& projectPath, const QString& file,
                      bool showResult = true);
TaskOutcome runExport(QWidget* parent, const QString& projectPath, const ExportRequest& request,
                      bool showResult = true);

}  // namespace prefstudio::ui
