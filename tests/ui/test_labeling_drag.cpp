// The ranking view driven by the mouse: drops are simulated by sending the same QDragEnterEvent /
// QDropEvent pair Qt's drag machinery delivers (a real QDrag::exec runs a nested event loop that
// offscreen cannot finish), carrying RankingCard's mime type, to the ranking bar (order) and to a
// card (tie). Then Enter submits and the test reads the ranks back from the database.
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "labeling_fixture.h"
#include "ui/labeling_controller.h"
#include "ui/labeling_page.h"
#include "ui/ranking_card.h"
#include "ui/ranking_strip.h"
#include "ui/ranking_view.h"

using namespace prefstudio;

class TestLabelingDrag : public QObject {
  Q_OBJECT

 private:
  // Drops card `card` at `pos` on `target` the way Qt delivers a drop; returns whether accepted.
  static bool drop(QWidget* target, int card, QPoint pos) {
    QMimeData mime;
    mime.setData(ui::RankingCard::kMimeType, QByteArray::number(card));
    QDragEnterEvent enter(pos, Qt::MoveAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &enter);
    if (!enter.isAccepted()) return false;
    QDropEvent dropEvent(QPointF(pos), Qt::MoveAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &dropEvent);
    return dropEvent.isAccepted();
  }

 private Q_SLOTS:
  void dragIntoOrderAndDropOntoCardToTie() {
    QTemporaryDir dir;
    QString path = dir.filePath("drag.sqlite");
    std::vector<int64_t> prompts = test::makeProject(path, {4});
    ui::LabelingPage page(new ui::LabelingController(path, "bob"));
    page.resize(1300, 800);
    page.show();
    ui::RankingView* view = page.view();
    ui::RankingStrip* strip = view->strip();
    QVector<qint64> ids = view->completionIds();

    QVERIFY(drop(strip, 2, QPoint(strip->width() - 5, 10)));  // card 3 first
    QVERIFY(drop(strip, 0, QPoint(strip->width() - 5, 10)));  // card 1 appended after it
    QVERIFY(drop(strip, 3, QPoint(0, 10)));                   // card 4 dropped before all
    QCOMPARE(view->state().pickOrder(), (std::vector<int>{3, 2, 0}));
    QVERIFY(drop(view->card(2), 1, QPoint(20, 20)));  // card 2 onto card 3: a tie
    QCOMPARE(view->state().ranks(), (std::vector<int>{2, 1, 1, 0}));
    QTest::keyClick(view, Qt::Key_Return);

    db::Database check(path.toStdString(), false);
    db::Statement ranks = check.prepare(
        "SELECT e.completion_id, e.rank FROM ranking_entries e JOIN rankings r ON r.id = "
        "e.ranking_id WHERE r.prompt_id = ? AND r.is_current = 1");
    ranks.bind(1, prompts[0]);
    std::map<int64_t, int64_t> stored;
    while (ranks.step()) stored[ranks.column_int(0)] = ranks.column_int(1);
    QCOMPARE(stored.size(), size_t(4));
    QCOMPARE(stored[ids[3]], 0);
    QCOMPARE(stored[ids[2]], 1);
    QCOMPARE(stored[ids[1]], 1);
    QCOMPARE(stored[ids[0]], 2);
  }

  void foreignDropsAreRefused() {
    ui::RankingStrip strip;
    QMimeData text;
    text.setText("3");
    QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&strip, &enter);
    QVERIFY(!enter.isAccepted());
  }
};

QTEST_MAIN(TestLabelingDrag)
#include "test_labeling_drag.moc"
