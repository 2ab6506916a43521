// MainWindow: thin. Builds the menus and a workspace tab widget: "Label" (a LabelingPage), "Data"
// (DataView), "Agreement" (AgreementView) and "Training" (TrainingView), all for the open project;
// File > Import/Export run in the background (import_dialog.h). MainWindow holds no labeling or
// data logic. Errors opening a project are shown in a message box and leave the current project
// open. Closing the window, Quit and opening another project ask first while labels wait for the
// database (LabelingController::mayClose); "wait" keeps the window and closes it once they are in.
#pragma once

#include <QMainWindow>
#include <QVector>

class QMenu;
class QTabWidget;

namespace prefstudio::ui {

class AgreementView;
class DataView;
class LabelingPage;
class TrainingView;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // Opens (creating if new) `path` as `labeler` in the Label tab; false (and a message) on error.
  bool openProject(const QString& path, const QString& labeler);
  // The place for the other views of the studio: Data, Agreement, later Training. Returns the
  // index.
  int addWorkspaceTab(QWidget* page, const QString& title);
  LabelingPage* labelingPage() const { return labeling_; }
  TrainingView* trainingView() const { return training_; }
  // Shows the tab "label", "data", "agreement" or "training"; false for another name.
  bool showView(const QString& name);
  // Selects these runs in the Training tab once they are listed (all of them when empty).
  void selectTrainingRuns(const QVector<qint64>& runIds);
  QTabWidget* workspace() const { return workspace_; }

 Q_SIGNALS:
  // After a project opened: views added with addWorkspaceTab can follow it.
  void projectOpened(QString path, QString labeler);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void refreshRecentMenu();
  void newProject();
  void openProjectDialog();
  void switchLabeler();
  bool askLabelerAndOpen(const QString& path);
  void replaceProjectViews(const QString& path);
  void importFile();
  void exportFile();

  QTabWidget* workspace_;
  LabelingPage* labeling_ = nullptr;
  DataView* data_ = nullptr;
  AgreementView* agreement_ = nullptr;
  TrainingView* training_ = nullptr;
  QString projectPath_;
  QString labeler_;
  QMenu* recentMenu_ = nullptr;
  bool closeWhenSaved_ = false;  // the labeler chose to wait for the waiting labels, then quit
};

}  // namespace prefstudio::ui
