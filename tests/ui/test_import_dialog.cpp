// Import and export from the GUI run on a worker thread: the event loop keeps turning while a file
// imports, a cancel from the progress dialog leaves the project exactly as it was (row counts and
// a dump of every table compared), and an export writes its file, with the options dialog's
// choices. Uses the real db importer and exporter.
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>
#include <algorithm>
#include <fstream>

#include "db/schema.h"
#include "ui/export_options_dialog.h"
#include "tests/db/db_test_util.h"
#include "ui/import_dialog.h"

using namespace prefstudio;

namespace {

// Every row of every table, sorted: equal strings mean equal projects.
QString dumpProject(const QString& path) {
  db::Database db = db::open_project(path.toStdString(), false);
  return QString::fromStdString(db::test::dump_rows(db));
}

int64_t count(const QString& path, const char* table) {
  db::Database db = db::open_project(path.toStdString(), false);
  db::Statement statement = db.prepare(std::string("SELECT count(*) FROM ") + table);
  statement.step();
  return statement.column_int(0);
}

// `lines` ranked prompts with four completions of ~`padding` characters each.
void writeRankings(const QString& path, int lines, int padding, int first = 0) {
  std::ofstream out(path.toStdString());
  std::string pad(padding, 'x');
  for (int i = first; i < first + lines; ++i)
    out << "{\"prompt\": \"Question " << i << "\", \"completions\": [\"a" << i << pad << "\", \"b"
        << i << pad << "\", \"c" << i << pad << "\", \"d" << i << pad
        << "\"], \"ranking\": [2, 0, 3, 1], \"labeler\": \"" << (i % 2 ? "ann" : "ben") << "\"}\n";
}

}  // namespace

class TestImportDialog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init() {
    QVERIFY(dir_.isValid());
    project_ = dir_.filePath(QStringLiteral("project-%1.sqlite").arg(++counter_));
    db::open_project(project_.toStdString());
  }

  void importsInTheBackground() {
    QString file = dir_.filePath("medium.jsonl");
    writeRankings(file, 20000, 200);  // ~17 MB
    QWidget parent;
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start(5);
    ui::TaskOutcome outcome = ui::runImport(&parent, project_, file, false);
    QVERIFY2(outcome.ok, qPrintable(outcome.message));
    QVERIFY(outcome.message.contains("20000 new prompts"));
    QCOMPARE(count(project_, "prompts"), 20000);
    QCOMPARE(count(project_, "completions"), 80000);
    QCOMPARE(count(project_, "rankings"), 20000);
    QVERIFY2(ticks > 0, "the GUI event loop did not run during the import");
  }

  void cancelLeavesTheProjectUnchanged() {
    QString first = dir_.filePath("first.jsonl");
    writeRankings(first, 50, 10);
    QWidget parent;
    QVERIFY(ui::runImport(&parent, project_, first, false).ok);
    QString before = dumpProject(project_);

    QString big = dir_.filePath("big.jsonl");
    writeRankings(big, 30000, 400, 1000);  // ~50 MB: many progress calls before the end
    // Press Cancel as soon as the dialog has shown progress.
    QTimer presser;
    bool pressed = false;
    connect(&presser, &QTimer::timeout, [&] {
      auto* dialog = parent.findChild<ui::ImportDialog*>();
      if (!pressed && dialog && dialog->value() > 0) {
        pressed = true;
        auto* button = dialog->findChild<QPushButton*>();
        QVERIFY(button);
        button->click();
      }
    });
    presser.start(1);
    ui::TaskOutcome outcome = ui::runImport(&parent, project_, big, false);
    QVERIFY(pressed);
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.cancelled, qPrintable(outcome.message));
    QVERIFY(outcome.message.contains("cancelled"));
    QCOMPARE(count(project_, "prompts"), 50);
    QCOMPARE(dumpProject(project_), before);
  }

  void theResultBoxTakesInputOnceTheJobEnds() {
    // A small file finishes before the progress dialog's 300 ms minimum duration. The dialog must
    // close for good, so that the result box on top takes the keyboard.
    QString file = dir_.filePath("small.jsonl");
    writeRankings(file, 3, 10);
    QWidget parent;
    parent.show();
    bool progressShown = false, boxActive = false, boxClosedByKey = false;
    QTimer::singleShot(800, [&] {
      for (auto* dialog : parent.findChildren<ui::ImportDialog*>())
        progressShown = progressShown || dialog->isVisible();
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      boxActive = box != nullptr;
      if (box) {
        QTest::keyClick(box, Qt::Key_Return);
        boxClosedByKey = !box->isVisible();
      }
      // Whatever happened, end the nested loops so the test finishes.
      for (auto* dialog : parent.findChildren<ui::ImportDialog*>()) dialog->hide();
      for (QWidget* widget : QApplication::topLevelWidgets())
        if (auto* other = qobject_cast<QMessageBox*>(widget)) other->done(0);
    });
    ui::TaskOutcome outcome = ui::runImport(&parent, project_, file, true);
    QVERIFY2(outcome.ok, qPrintable(outcome.message));
    QVERIFY(!progressShown);
    QVERIFY(boxActive);
    QVERIFY(boxClosedByKey);
    QCOMPARE(count(project_, "rankings"), 3);
  }

  void badFileIsReportedAndKeepsNothing() {
    QString bad = dir_.filePath("bad.jsonl");
    writeRankings(bad, 10, 5);
    {
      std::ofstream out(bad.toStdString(), std::ios::app);
      out << "{\"prompt\": \"oops\", \"completions\": [\"only one\"], \"ranking\": [0]}\n";
    }
    QWidget parent;
    ui::TaskOutcome outcome = ui::runImport(&parent, project_, bad, false);
    QVERIFY(!outcome.ok);
    QVERIFY(!outcome.cancelled);
    QVERIFY2(outcome.message.contains("bad.jsonl:11"), qPrintable(outcome.message));
    QCOMPARE(count(project_, "prompts"), 0);
  }

  void exportsInTheBackground() {
    QString file = dir_.filePath("small.jsonl");
    writeRankings(file, 30, 5);
    QWidget parent;
    QVERIFY(ui::runImport(&parent, project_, file, false).ok);
    ui::ExportRequest request;
    request.format = "pairs";
    request.output = dir_.filePath("pairs.jsonl");
    ui::TaskOutcome outcome = ui::runExport(&parent, project_, request, false);
    QVERIFY2(outcome.ok, qPrintable(outcome.message));
    QFile out(request.output);
    QVERIFY(out.open(QIODevice::ReadOnly));
    int lines = out.readAll().count('\n');
    QCOMPARE(lines, 30 * 6);  // C(4,2) pairs per ranking, no ties
    request.split = "sideways";
    QVERIFY(!ui::runExport(&parent, project_, request, false).ok);
  }

  void exportOptionsBecomeARequest() {
    QString file = dir_.filePath("forty.jsonl");
    writeRankings(file, 40, 5);
    QWidget parent;
    QVERIFY(ui::runImport(&parent, project_, file, false).ok);
    ui::ExportOptionsDialog dialog("", &parent);
    auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    QVERIFY(!ok->isEnabled());  // no output file yet
    dialog.formatBox()->setCurrentIndex(dialog.formatBox()->findData("rankings"));
    QVERIFY(!dialog.modeBox()->isEnabled());  // rankings are always per labeler
    int lines[2] = {0, 0};
    const char* splits[2] = {"train", "validation"};
    for (int i = 0; i < 2; ++i) {
      dialog.splitBox()->setCurrentIndex(dialog.splitBox()->findData(splits[i]));
      dialog.outputEdit()->setText(dir_.filePath(QString(splits[i]) + ".jsonl"));
      QVERIFY(ok->isEnabled());
      ui::ExportRequest request = dialog.request();
      QCOMPARE(request.format, QString("rankings"));
      QCOMPARE(request.split, QString(splits[i]));
      QVERIFY(ui::runExport(&parent, project_, request, false).ok);
      QFile out(request.output);
      QVERIFY(out.open(QIODevice::ReadOnly));
      lines[i] = out.readAll().count('\n');
    }
    QCOMPARE(lines[0] + lines[1], 40);  // the split is a partition of the prompts
    QVERIFY(lines[1] > 0 && lines[1] < lines[0]);
  }

 private:
  QTemporaryDir dir_;
  QString project_;
  int counter_ = 0;
};

QTEST_MAIN(TestImportDialog)
#include "test_import_dialog.moc"
