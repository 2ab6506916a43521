// MainWindow (see main_window.h).
#include "ui/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHash>
#include <QInputDialog>
#include <QKeySequence>
#include <QMenuBar>
#include <QMessageBox>
#include <QTabWidget>
#include <QTimer>
#include <memory>

#include "db/label_store.h"
#include "db/schema.h"
#include "ui/agreement_view.h"
#include "ui/data_view.h"
#include "ui/export_options_dialog.h"
#include "ui/help_overlay.h"
#include "ui/import_dialog.h"
#include "ui/labeling_controller.h"
#include "ui/labeling_page.h"
#include "ui/ranking_view.h"
#include "ui/recent_projects.h"
#include "ui/training/training_view.h"

namespace prefstudio::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Preference Studio"));
  workspace_ = new QTabWidget(this);
  workspace_->setObjectName("workspace");
  workspace_->setDocumentMode(true);
  setCentralWidget(workspace_);
  buildMenus();
  resize(1360, 860);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&New project..."), QKeySequence::New, this, &MainWindow::newProject);
  file->addAction(tr("&Open project..."), QKeySequence::Open, this, &MainWindow::openProjectDialog);
  recentMenu_ = file->addMenu(tr("Recent projects"));
  file->addAction(tr("Switch &labeler..."), this, &MainWindow::switchLabeler);
  file->addSeparator();
  file->addAction(tr("&Import JSONL..."), this, &MainWindow::importFile);
  file->addAction(tr("&Export JSONL..."), this, &MainWindow::exportFile);
  file->addSeparator();
  // Through close(), not QApplication::quit(): closeEvent asks about labels still waiting.
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("Keyboard shortcuts"), this, [this] {
    QMessageBox::information(this, tr("Keyboard shortcuts"), HelpOverlay::shortcutsHtml());
  });
  refreshRecentMenu();
}

void MainWindow::refreshRecentMenu() {
  recentMenu_->clear();
  for (const QString& path : RecentProjects::projects())
    recentMenu_->addAction(path, this, [this, path] { askLabelerAndOpen(path); });
  recentMenu_->setEnabled(!recentMenu_->isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (labeling_ && !labeling_->controller()->mayClose()) {
    closeWhenSaved_ = true;
    event->ignore();
    return;
  }
  QMainWindow::closeEvent(event);
}

bool MainWindow::openProject(const QString& path, const QString& labeler) {
  if (labeling_ && !labeling_->controller()->mayClose()) return false;
  LabelingController* controller = nullptr;
  try {
    controller = new LabelingController(path, labeler);
  } catch (const std::exception& error) {
    QMessageBox::warning(this, tr("Cannot open project"), QString::fromUtf8(error.what()));
    return false;
  }
  auto* page = new LabelingPage(controller, workspace_);
  closeWhenSaved_ = false;
  connect(controller, &LabelingController::waitingChanged, this, [this](int count) {
    // Closed later, not inside the writer's callback that reported the last commit.
    if (count == 0 && closeWhenSaved_) QTimer::singleShot(0, this, &QWidget::close);
  });
  if (labeling_) {
    int index = workspace_->indexOf(labeling_);
    workspace_->removeTab(index);
    labeling_->deleteLater();
  }
  labeling_ = page;
  workspace_->insertTab(0, page, tr("Label"));
  replaceProjectViews(path);
  workspace_->setCurrentIndex(0);
  projectPath_ = path;
  labeler_ = labeler;
  setWindowTitle(
      tr("%1 \u2014 %2 \u2014 Preference Studio").arg(QFileInfo(path).fileName(), labeler));
  RecentProjects::add(path);
  RecentProjects::setLastLabeler(labeler);
  refreshRecentMenu();
  page->view()->setFocus();
  Q_EMIT projectOpened(path, labeler);
  return true;
}

// The Data, Agreement and Training tabs open their own connections to `path`; a new project
// replaces them.
void MainWindow::replaceProjectViews(const QString& path) {
  for (QWidget* old : {static_cast<QWidget*>(data_), static_cast<QWidget*>(agreement_),
                       static_cast<QWidget*>(training_)}) {
    if (!old) continue;
    workspace_->removeTab(workspace_->indexOf(old));
    old->deleteLater();
  }
  data_ = new DataView(path, workspace_);
  agreement_ = new AgreementView(path, workspace_);
  workspace_->insertTab(1, data_, tr("Data"));
  workspace_->insertTab(2, agreement_, tr("Agreement"));
  training_ = new TrainingView(path, workspace_);
  workspace_->insertTab(3, training_, tr("Training"));
  agreement_->refresh();
}

bool MainWindow::showView(const QString& name) {
  const QHash<QString, QWidget*> views{{"label", labeling_}, {"data", data_},
                                       {"agreement", agreement_}, {"training", training_}};
  QWidget* view = views.value(name.toLower());
  if (!view) return false;
  workspace_->setCurrentWidget(view);
  return true;
}

void MainWindow::selectTrainingRuns(const QVector<qint64>& runIds) {
  if (!training_) return;
  // The runs are listed by the view's poller a moment after it starts.
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(training_, &TrainingView::runsListed, this, [this, runIds, connection] {
    training_->selectRuns(runIds.isEmpty() ? training_->allRuns() : runIds);
    disconnect(*connection);
  });
}

void MainWindow::importFile() {
  if (projectPath_.isEmpty()) return;
  QString file = QFileDialog::getOpenFileName(this, tr("Import JSONL"), QString(),
                                              tr("JSON Lines (*.jsonl *.json);;All files (*)"));
  if (file.isEmpty()) return;
  TaskOutcome outcome = runImport(this, projectPath_, file);
  // Reopen so the queue, the data table and the agreement see the new rows.
  if (outcome.ok) openProject(projectPath_, labeler_);
}

void MainWindow::exportFile() {
  if (projectPath_.isEmpty()) return;
  QString suggested = QFileInfo(projectPath_).completeBaseName() + "-pairs.jsonl";
  if (auto request = ExportOptionsDialog::ask(this, suggested))
    runExport(this, projectPath_, *request);
}

int MainWindow::addWorkspaceTab(QWidget* page, const QString& title) {
  return workspace_->addTab(page, title);
}

bool MainWindow::askLabelerAndOpen(const QString& path) {
  QStringList names;
  try {
    db::Database db = db::open_project(path.toStdString());
    for (const auto& name : db::LabelStore(db).labeler_names())
      names << QString::fromStdString(name);
  } catch (const std::exception& error) {
    QMessageBox::warning(this, tr("Cannot open project"), QString::fromUtf8(error.what()));
    return false;
  }
  QString last = RecentProjects::lastLabeler();
  if (!last.isEmpty() && !names.contains(last)) names.prepend(last);
  bool ok = false;
  QString labeler = QInputDialog::getItem(this, tr("Labeler"), tr("Label as:"), names,
                                          std::max<int>(0, names.indexOf(last)), true, &ok)
                        .trimmed();
  if (!ok || labeler.isEmpty()) return false;
  return openProject(path, labeler);
}

void MainWindow::newProject() {
  QString path = QFileDialog::getSaveFileName(this, tr("New project"), "project.sqlite",
                                              tr("Projects (*.sqlite)"));
  if (!path.isEmpty()) askLabelerAndOpen(path);
}

void MainWindow::openProjectDialog() {
  QString path = QFileDialog::getOpenFileName(this, tr("Open project"), QString(),
                                              tr("Projects (*.sqlite *.db);;All files (*)"));
  if (!path.isEmpty()) askLabelerAndOpen(path);
}

void MainWindow::switchLabeler() {
  if (labeling_) askLabelerAndOpen(labeling_->controller()->projectPath());
}

}  // namespace prefstudio::ui
