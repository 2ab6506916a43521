// The data tab: rows load lazily in pages (a jump to the end reads one page, scrolling on reads by
// keyset), the filters and the debounced search change what the table lists, and selecting a row
// shows the prompt, its completions and who ranked them where. A 3,000-prompt project built with
// SQL in a temp dir.
#include <QComboBox>
#include <QLineEdit>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

#include "db/schema.h"
#include "ui/data_table_model.h"
#include "ui/data_view.h"

using namespace prefstudio;

class TestDataView : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    path_ = dir_.filePath("data.sqlite");
    db::Database db = db::open_project(path_.toStdString());
    db::Transaction transaction(db);
    db::Statement prompt = db.prepare("INSERT INTO prompts (id, text) VALUES (?1, ?2)");
    db::Statement completion =
        db.prepare("INSERT INTO completions (prompt_id, text) VALUES (?1, ?2)");
    for (int p = 1; p <= kPrompts; ++p) {
      prompt.bind(1, p).bind(2, "Prompt number " + std::to_string(p) + (p == 1234 ? " zebra" : ""));
      prompt.run();
      for (int c = 0; c < 3; ++c) {
        completion.bind(1, p).bind(2,
                                   "completion " + std::to_string(c) + " of " + std::to_string(p));
        completion.run();
      }
    }
    // ann ranked every 10th prompt, bob every 15th; bob flagged prompt 30, which both ranked as a
    // three-way tie (the only rankings with entries: the table does not need them).
    db.exec(
        "INSERT INTO labelers (id, name) VALUES (1, 'ann'), (2, 'bob');"
        "INSERT INTO rankings (prompt_id, labeler_id) SELECT id, 1 FROM prompts WHERE id % 10 = 0;"
        "INSERT INTO rankings (prompt_id, labeler_id) SELECT id, 2 FROM prompts WHERE id % 15 = 0;"
        "INSERT INTO ranking_flags (ranking_id, flag) SELECT id, 'harmful' FROM rankings "
        "WHERE labeler_id = 2 AND prompt_id = 30;"
        "INSERT INTO ranking_entries (ranking_id, completion_id, rank) SELECT r.id, c.id, 0 "
        "FROM rankings r JOIN completions c ON c.prompt_id = r.prompt_id WHERE r.prompt_id = 30;");
    transaction.commit();
  }

  void loadsLazilyAndJumps() {
    ui::DataView view(path_);
    ui::DataTableModel* model = view.model();
    QCOMPARE(model->rowCount(), kPrompts);
    QCOMPARE(model->pagesLoaded(), 0);  // the page index reads ids, no rows
    QCOMPARE(model->index(kPrompts - 1, ui::DataTableModel::kId).data().toLongLong(), kPrompts);
    QCOMPARE(model->pagesLoaded(), 1);  // the jump read only the last page
    QCOMPARE(model->index(29, ui::DataTableModel::kLabeledBy).data().toString(), "ann, bob");
    QCOMPARE(model->index(29, ui::DataTableModel::kFlagged).data().toString(), "harmful");
    QCOMPARE(model->index(29, ui::DataTableModel::kCompletions).data().toInt(), 3);
    // Scrolling through every row reads each page once.
    for (int row = 0; row < kPrompts; ++row) QCOMPARE(model->promptId(row), row + 1);
    QCOMPARE(model->pagesLoaded(), kPrompts / ui::DataTableModel::kPageSize);  // 14 more + the jump
  }

  void viewShowsRowsAndDetails() {
    ui::DataView view(path_);
    view.resize(900, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.table()->scrollToBottom();
    QTest::qWait(10);
    QVERIFY(view.model()->pagesLoaded() <= 3);  // the top and the bottom, not the middle
    view.table()->selectRow(41);
    QTRY_VERIFY(view.details()->toPlainText().contains("Prompt number 42"));
    QVERIFY(view.details()->toPlainText().contains("completion 2 of 42"));
    view.table()->selectRow(29);  // ranked by both (ranks all 0 in this project: a three-way tie)
    QTRY_VERIFY(view.details()->toPlainText().contains("[ann 1st, bob 1st]"));
  }

  void filtersAndSearch() {
    ui::DataView view(path_);
    ui::DataTableModel* model = view.model();
    view.stateBox()->setCurrentIndex(view.stateBox()->findText("Labeled"));
    QCOMPARE(model->rowCount(), 300 + 200 - 100);  // multiples of 10 or 15
    view.stateBox()->setCurrentIndex(view.stateBox()->findText("Flagged"));
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->promptId(0), 30);
    view.stateBox()->setCurrentIndex(view.stateBox()->findText("Unlabeled"));
    view.labelerBox()->setCurrentIndex(view.labelerBox()->findText("bob"));
    QCOMPARE(model->rowCount(), kPrompts - 200);  // bob's remaining work
    view.stateBox()->setCurrentIndex(view.stateBox()->findText("All prompts"));
    view.labelerBox()->setCurrentIndex(view.labelerBox()->findText("Any labeler"));
    QTest::keyClicks(view.searchEdit(), "zebra");
    QCOMPARE(model->rowCount(), kPrompts);  // the search waits for typing to pause
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->promptId(0), 1234);
    view.searchEdit()->setText("completion 1 of 777");
    view.applyFilter();
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->promptId(0), 777);
  }

 private:
  static constexpr int kPrompts = 3000;
  QTemporaryDir dir_;
  QString path_;
};

QTEST_MAIN(TestDataView)
#include "test_data_view.moc"
