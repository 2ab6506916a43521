// MainWindow: opening a project (created if new) puts a Label tab first with the labeler's queue,
// remembers it in the recent projects (QSettings in test mode), reopening replaces the tab rather
// than adding one, and other views can be added as workspace tabs.
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "labeling_fixture.h"
#include "ui/labeling_controller.h"
#include "ui/labeling_page.h"
#include "ui/training/training_view.h"
#include "ui/main_window.h"
#include "ui/ranking_view.h"
#include "ui/recent_projects.h"
#include "ui/start_dialog.h"

using namespace prefstudio;

class TestMainWindow : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
    QCoreApplication::setOrganizationName("PreferenceStudioTest");
    QCoreApplication::setApplicationName("test_main_window");
    QSettings().clear();
  }

  void opensCreatesAndRemembers() {
    QTemporaryDir dir;
    QString existing = dir.filePath("existing.sqlite");
    std::vector<int64_t> prompts = test::makeProject(existing, {3, 3});
    ui::MainWindow window;
    QSignalSpy opened(&window, &ui::MainWindow::projectOpened);
    QVERIFY(window.openProject(existing, "alice"));
    QCOMPARE(opened.count(), 1);
    // The project's four views: labeling, the data table, the agreement and training.
    QCOMPARE(window.workspace()->count(), 4);
    QCOMPARE(window.workspace()->tabText(0), QString("Label"));
    QCOMPARE(window.workspace()->tabText(1), QString("Data"));
    QCOMPARE(window.workspace()->tabText(2), QString("Agreement"));
    QCOMPARE(window.workspace()->tabText(3), QString("Training"));
    QVERIFY(window.showView("training"));
    QCOMPARE(window.workspace()->currentWidget(), window.trainingView());
    QVERIFY(!window.showView("nonsense"));
    QCOMPARE(window.labelingPage()->view()->promptId(), prompts[0]);
    QCOMPARE(window.labelingPage()->controller()->labeler(), QString("alice"));
    QCOMPARE(ui::RecentProjects::projects().value(0), QFileInfo(existing).absoluteFilePath());
    QCOMPARE(ui::RecentProjects::lastLabeler(), QString("alice"));

    int extra = window.addWorkspaceTab(new QLabel("extra"), "Extra");
    QCOMPARE(window.workspace()->tabText(extra), QString("Extra"));

    QString fresh = dir.filePath("fresh.sqlite");  // created and migrated on open
    QVERIFY(window.openProject(fresh, "bob"));
    // The project's views are replaced by the new project's; the added tab stays.
    QCOMPARE(window.workspace()->count(), 5);
    QCOMPARE(window.workspace()->tabText(0), QString("Label"));
    QCOMPARE(window.workspace()->tabText(1), QString("Data"));
    QCOMPARE(window.workspace()->tabText(2), QString("Agreement"));
    QCOMPARE(window.workspace()->tabText(3), QString("Training"));
    QCOMPARE(window.workspace()->tabText(4), QString("Extra"));
    QCOMPARE(window.labelingPage()->view()->promptId(), 0);  // nothing to label yet
    QCOMPARE(ui::RecentProjects::projects().size(), 2);
    QCOMPARE(ui::RecentProjects::projects().value(0), QFileInfo(fresh).absoluteFilePath());
    db::Database check(fresh.toStdString(), false);
    QCOMPARE(check.user_version(), db::kSchemaVersion);
    QCOMPARE(test::queryInt(check, "SELECT count(*) FROM labelers WHERE name = 'bob'"), 1);

    // The start dialog lists both, newest first, and offers each project's labelers.
    ui::StartDialog start;
    auto* recent = start.findChild<QListWidget*>();
    QCOMPARE(recent->count(), 2);
    QCOMPARE(start.projectPath(), QFileInfo(fresh).absoluteFilePath());
    QCOMPARE(start.labeler(), QString("bob"));  // remembered
    recent->setCurrentRow(1);
    QCOMPARE(start.projectPath(), QFileInfo(existing).absoluteFilePath());
    QVERIFY(start.findChild<QComboBox*>()->findText("alice") >= 0);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
