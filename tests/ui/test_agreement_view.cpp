// The agreement tab shows what db::compute_agreement found: computed in the background on its own
// connection, the matrix cells carry the hand-computed agreement and tau-b of
// tests/db/test_labeler_agreement.cpp, colored greener for higher agreement, and each labeler's row
// carries the consensus agreement and biases.
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "db/schema.h"
#include "ui/agreement_view.h"

using namespace prefstudio;

class TestAgreementView : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    path_ = dir_.filePath("agreement.sqlite");
    db::Database db = db::open_project(path_.toStdString());
    // alice 1>2>3>4 (shown 4,3,2,1) and 5>6>7; bob 2>1>3=4; carol 1>2>4>3.
    db.exec(R"sql(
      INSERT INTO labelers (id, name) VALUES (1, 'alice'), (2, 'bob'), (3, 'carol'), (4, 'dora');
      INSERT INTO prompts (id, text) VALUES (1, 'P1'), (2, 'P2');
      INSERT INTO completions (id, prompt_id, text) VALUES
        (1, 1, 'aaaaa'), (2, 1, 'bbbbbbbbbb'), (3, 1, 'cccccccccc'), (4, 1, 'dddddddddddddddddddd'),
        (5, 2, 'eee'), (6, 2, 'ffffff'), (7, 2, 'ggggggggg');
      INSERT INTO rankings (id, prompt_id, labeler_id) VALUES (1, 1, 1), (2, 2, 1), (3, 1, 2),
        (4, 1, 3);
      INSERT INTO ranking_entries (ranking_id, completion_id, rank) VALUES
        (1, 1, 0), (1, 2, 1), (1, 3, 2), (1, 4, 3), (2, 5, 0), (2, 6, 1), (2, 7, 2),
        (3, 1, 1), (3, 2, 0), (3, 3, 2), (3, 4, 2), (4, 1, 0), (4, 2, 1), (4, 4, 2), (4, 3, 3);
      INSERT INTO card_orders (prompt_id, labeler_id, order_json) VALUES (1, 1, '[4, 3, 2, 1]');
    )sql");
  }

  void showsTheComputedMatrix() {
    ui::AgreementView view(path_);
    QSignalSpy done(&view, &ui::AgreementView::refreshed);
    view.refresh();
    QVERIFY(done.wait(10000));
    QTableWidget* matrix = view.matrix();
    QCOMPARE(matrix->rowCount(), 4);
    QCOMPARE(matrix->horizontalHeaderItem(0)->text(), "alice");
    // alice-bob: 4 of 5 pairs, tau-b 3/sqrt(30) = 0.548; alice-carol: 5 of 6, tau-b 4/6.
    QCOMPARE(matrix->item(0, 1)->text(), QString("80.0%\nτ 0.55"));
    QCOMPARE(matrix->item(1, 0)->text(), QString("80.0%\nτ 0.55"));
    QCOMPARE(matrix->item(0, 2)->text(), QString("83.3%\nτ 0.67"));
    QCOMPARE(matrix->item(0, 0)->text(), QString("—"));
    QVERIFY(matrix->item(0, 3)->text().contains("no shared"));  // dora ranked nothing
    // Higher agreement is greener (hue 0 red .. 120 green).
    QVERIFY(matrix->item(0, 2)->background().color().hsvHue() >
            matrix->item(0, 1)->background().color().hsvHue());
    QVERIFY(matrix->item(0, 1)->toolTip().contains("4 of 5 pairs"));
    QVERIFY(view.summary()->text().contains("2 ranked prompts, 1 ranked by two or more"));
    QVERIFY(view.summary()->text().contains("on 16 pairs"));
  }

  void showsPerLabelerChecks() {
    ui::AgreementView view(path_);
    QSignalSpy done(&view, &ui::AgreementView::refreshed);
    view.refresh();
    QVERIFY(done.wait(10000));
    QTableWidget* rows = view.labelers();
    QCOMPARE(rows->rowCount(), 4);
    QCOMPARE(rows->item(0, 0)->text(), "alice");
    QCOMPARE(rows->item(0, 1)->text(), "2");
    QCOMPARE(rows->item(0, 2)->text(), QString("100.0%  (6 pairs)"));
    QCOMPARE(rows->item(0, 3)->text(), QString("33.3%  (9 pairs)"));  // first shown won 3 of 9
    QCOMPARE(rows->item(0, 4)->text(), QString("0.0%  (8 pairs)"));   // always the shorter
    QVERIFY(rows->item(0, 4)->background().color() != QColor(Qt::transparent));  // flagged red
    QCOMPARE(rows->item(1, 2)->text(), QString("80.0%  (5 pairs)"));
    QCOMPARE(rows->item(3, 1)->text(), "0");
    QCOMPARE(rows->item(3, 2)->text(), QString("–"));
  }

  void reportsAFailure() {
    ui::AgreementView view(dir_.filePath("agreement.sqlite"));
    {
      db::Database db = db::open_project(path_.toStdString(), false);
      db.exec("UPDATE card_orders SET order_json = 'not json'");
    }
    QSignalSpy failed(&view, &ui::AgreementView::failed);
    view.refresh();
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.at(0).at(0).toString().contains("prompt 1, labeler 1"));
    QVERIFY(view.summary()->text().startsWith("Cannot compute agreement"));
  }

 private:
  QTemporaryDir dir_;
  QString path_;
};

QTEST_MAIN(TestAgreementView)
#include "test_agreement_view.moc"
