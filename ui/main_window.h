// MainWindow: thin. Builds the menus and a workspace tab widget; the "Label" tab is a LabelingPage
// for the open project. Other views (Data, Agreement) are added with addWorkspaceTab by whoever
// builds them; MainWindow holds no labeling or data logic. Errors opening a project are shown in a
// message box and leave the current project open.
#pragma once

#include <QMainWindow>

class QMenu;
class QTabWidget;

namespace prefstudio::ui {

class LabelingPage;

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
  QTabWidget* workspace() const { return workspace_; }

 Q_SIGNALS:
  // After a project opened: views added with addWorkspaceTab can follow it.
  void projectOpened(QString path, QString labeler);

 private:
  void buildMenus();
  void refreshRecentMenu();
  void newProject();
  void openProjectDialog();
  void switchLabeler();
  bool askLabelerAndOpen(const QString& path);

  QTabWidget* workspace_;
  LabelingPage* labeling_ = nullptr;
  QMenu* recentMenu_ = nullptr;
};

}  // namespace prefstudio::ui
