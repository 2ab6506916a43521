// The ranking view driven by the keyboard (QTest::keyClick) on a temp-file project, through the
// real LabelingPage and controller. Each test checks what the DATABASE holds, on a second
// connection: ranks with ties, skip, all bad, flags, comment, undo, pairwise strength, editing an
// earlier ranking from the history, and the help overlay listing every shortcut.
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBrowser>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "db/completion_browser.h"
#include "labeling_fixture.h"
#include "ui/comment_dialog.h"
#include "ui/flags_dialog.h"
#include "ui/help_overlay.h"
#include "ui/history_panel.h"
#include "ui/labeling_controller.h"
#include "ui/labeling_page.h"
#include "ui/progress_panel.h"
#include "ui/ranking_card.h"
#include "ui/ranking_strip.h"
#include "ui/ranking_view.h"

using namespace prefstudio;
using prefstudio::test::queryInt;

class TestLabelingKeyboard : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString path_;
  std::vector<int64_t> prompts_;
  std::unique_ptr<ui::LabelingPage> page_;
  std::unique_ptr<db::Database> check_;

  ui::RankingView* view() { return page_->view(); }
  void keys(const QString& sequence) {
    for (QChar c : sequence) QTest::keyClick(view(), c.toLatin1());
  }
  // The completion id of card `index` as shown.
  int64_t card(int index) { return view()->completionIds().at(index); }
  int64_t rankOf(int64_t rankingId, int64_t completionId) {
    db::Statement s = check_->prepare(
        "SELECT rank FROM ranking_entries WHERE ranking_id = ? AND completion_id = ?");
    s.bind(1, rankingId).bind(2, completionId);
    return s.step() ? s.column_int(0) : -1;
  }
  int64_t currentRanking(int64_t promptId) {
    return queryInt(
        *check_, "SELECT coalesce(max(id), 0) FROM rankings WHERE is_current = 1 AND prompt_id = ?",
        promptId);
  }

 private Q_SLOTS:
  void init() {
    QVERIFY(dir_.isValid());
    path_ = dir_.filePath(QString("project_%1.sqlite").arg(QTest::currentTestFunction()));
    prompts_ = test::makeProject(path_, {4, 3, 2, 5});
    page_ = std::make_unique<ui::LabelingPage>(new ui::LabelingController(path_, "alice"));
    page_->resize(1300, 800);
    page_->show();
    QApplication::setActiveWindow(page_.get());
    QVERIFY(QTest::qWaitForWindowActive(page_.get()));
    check_ = std::make_unique<db::Database>(path_.toStdString(), false);
  }
  void cleanup() {
    page_.reset();
    check_.reset();
  }

  void ranksWithTiesAreStored() {
    QCOMPARE(view()->promptId(), prompts_[0]);
    QCOMPARE(view()->completionIds().size(), 4);
    int64_t a = card(0), b = card(1), c = card(2), d = card(3);
    keys("3=1");  // card 3 and card 1 tie for first
    QCOMPARE(view()->state().ranks(), (std::vector<int>{0, -1, 0, -1}));
    keys("4");
    QTest::keyClick(view(), Qt::Key_Return);  // card 2 placed last automatically, then submitted
    int64_t id = currentRanking(prompts_[0]);
    QVERIFY(id > 0);
    QCOMPARE(rankOf(id, c), 0);
    QCOMPARE(rankOf(id, a), 0);
    QCOMPARE(rankOf(id, d), 1);
    QCOMPARE(rankOf(id, b), 2);
    QCOMPARE(queryInt(*check_, "SELECT labeler_id FROM rankings WHERE id = ?", id),
             page_->controller()->labelerId());
    QCOMPARE(view()->promptId(), prompts_[1]);  // the next prompt is up
    QVERIFY(page_->progress()->text().contains("1 of 4"));
  }

  void enterWaitsForAllButOneCard() {
    keys("2");
    QTest::keyClick(view(), Qt::Key_Return);  // two cards unplaced: nothing happens
    QCOMPARE(view()->promptId(), prompts_[0]);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 0);
    QTest::keyClick(view(), Qt::Key_Backspace);
    QCOMPARE(view()->state().placedCount(), 0);
  }

  void skipAndAllBadAreStoredAndLeaveTheQueue() {
    keys("s");
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings WHERE status = 'skipped'"), 1);
    QCOMPARE(view()->promptId(), prompts_[1]);
    keys("x");
    QCOMPARE(queryInt(*check_,
                      "SELECT count(*) FROM rankings WHERE status = 'all_bad' AND prompt_id = ?",
                      prompts_[1]),
             1);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM ranking_entries"), 0);
    QCOMPARE(view()->promptId(), prompts_[2]);
  }

  void flagsAndCommentGoWithTheSubmit() {
    view()->setFlagChooser([](const ui::FlagChoice&) {
      return std::optional<ui::FlagChoice>({{1, "hallucination"}, {-1, "harmful"}});
    });
    view()->setCommentAsker([](const QString&) { return std::optional<QString>("card 2 invents a flag"); });
    int64_t second = card(1);
    keys("fc");
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM ranking_flags"), 0);  // pending until answered
    keys("123");
    QTest::keyClick(view(), Qt::Key_Enter);
    int64_t id = currentRanking(prompts_[0]);
    QCOMPARE(queryInt(*check_,
                      "SELECT count(*) FROM ranking_flags WHERE ranking_id = ? AND completion_id "
                      "IS NULL AND flag = 'harmful'",
                      id),
             1);
    db::Statement flagged =
        check_->prepare("SELECT completion_id FROM ranking_flags WHERE flag = 'hallucination'");
    QVERIFY(flagged.step());
    QCOMPARE(flagged.column_int(0), second);
    db::Statement comment = check_->prepare("SELECT comment FROM rankings WHERE id = ?");
    comment.bind(1, id);
    QVERIFY(comment.step());
    QCOMPARE(QString::fromStdString(comment.column_text(0)), QString("card 2 invents a flag"));
  }

  void undoDeletesTheSubmitAndShowsThePromptAgain() {
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    keys("s");
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 2);
    QTest::keyClick(view(), Qt::Key_Z, Qt::ControlModifier);  // undo the skip
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 1);
    QCOMPARE(view()->promptId(), prompts_[1]);
    QTest::keyClick(view(), Qt::Key_Z, Qt::ControlModifier);  // undo the ranking
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 0);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM ranking_entries"), 0);
    QCOMPARE(view()->promptId(), prompts_[0]);
    QTest::keyClick(view(), Qt::Key_Z, Qt::ControlModifier);  // nothing left: a note, no error
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 0);
  }

  void editingAnEarlierRankingAddsAVersion() {
    int64_t first = card(0);
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t v1 = currentRanking(prompts_[0]);
    QCOMPARE(rankOf(v1, first), 0);
    QListWidget* list = page_->history()->list();
    QCOMPARE(list->count(), 0);  // the History tab is hidden: not refreshed on every Enter
    auto* tabs = page_->findChild<QTabWidget*>("sideTabs");
    tabs->setCurrentWidget(page_->history());  // showing it refreshes it
    QCOMPARE(list->count(), 1);
    Q_EMIT list->itemActivated(list->item(0));  // the double-click path
    QCOMPARE(view()->promptId(), prompts_[0]);
    QCOMPARE(view()->state().ranks(), (std::vector<int>{0, 1, 2, 3}));  // the earlier answer
    QTest::keyClick(view(), Qt::Key_Backspace);
    QTest::keyClick(view(), Qt::Key_Backspace);
    QTest::keyClick(view(), Qt::Key_Backspace);
    QTest::keyClick(view(), Qt::Key_Backspace);
    keys("4321");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t v2 = currentRanking(prompts_[0]);
    QVERIFY(v2 != v1);
    QCOMPARE(rankOf(v2, first), 3);
    QCOMPARE(queryInt(*check_, "SELECT version FROM rankings WHERE id = ?", v2), 2);
    QCOMPARE(queryInt(*check_, "SELECT is_current FROM rankings WHERE id = ?", v1), 0);
    QCOMPARE(rankOf(v1, first), 0);             // the old version is kept intact
    QCOMPARE(view()->promptId(), prompts_[1]);  // back to the queue
  }

  void pairwiseStrengthIsStored() {
    keys("s");
    keys("s");  // prompt 2 has K = 2
    QCOMPARE(view()->promptId(), prompts_[2]);
    QVERIFY(view()->isPairwise());
    int64_t b = card(1);
    keys("2");  // card 2 wins, but how much better is the labeler's choice: nothing chosen yet
    QCOMPARE(view()->strengthStep(), -1);
    QVERIFY(view()->strip()->hint().contains("how much?"));
    QTest::keyClick(view(), Qt::Key_Return);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 2);  // not stored: the two skips
    QVERIFY(view()->strip()->hint().contains("Not saved"));
    QTest::keyClick(view(), Qt::Key_Right);  // 2 slightly better
    QTest::keyClick(view(), Qt::Key_Right);  // 2 better
    QTest::keyClick(view(), Qt::Key_Right);  // 2 much better
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t id = currentRanking(prompts_[2]);
    QCOMPARE(queryInt(*check_, "SELECT strength FROM rankings WHERE id = ?", id), 3);
    QCOMPARE(rankOf(id, b), 0);
  }

  void pairwiseTieIsStoredAndTheScaleNamesCardsByNumber() {
    keys("ss");
    QVERIFY(view()->isPairwise());
    QStringList labels;
    for (auto* button : view()->findChildren<QPushButton*>("strengthStep")) labels << button->text();
    QCOMPARE(labels.first(), QString("1 much better"));
    QCOMPARE(labels.last(), QString("2 much better"));
    QVERIFY(labels.join(" ").contains("Tie"));
    QVERIFY(!labels.join(" ").contains("A ") && !labels.join(" ").contains("B "));
    keys("=");
    QCOMPARE(view()->state().ranks(), (std::vector<int>{0, 0}));
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t id = currentRanking(prompts_[2]);
    QVERIFY(id > 0);
    QCOMPARE(queryInt(*check_, "SELECT count(DISTINCT rank) FROM ranking_entries WHERE "
                               "ranking_id = ?", id), 1);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM ranking_entries WHERE ranking_id = ?", id), 2);
    QCOMPARE(queryInt(*check_, "SELECT strength IS NULL FROM rankings WHERE id = ?", id), 1);
    page_->controller()->reopen(prompts_[2]);  // the tie is loaded again
    QCOMPARE(view()->promptId(), prompts_[2]);
    QCOMPARE(view()->strengthStep(), 3);
    QTest::keyClick(view(), Qt::Key_Left);  // the arrows pass through the tie: 1 slightly better
    QCOMPARE(view()->state().ranks(), (std::vector<int>{0, 1}));
    QTest::keyClick(view(), Qt::Key_Return);
    id = currentRanking(prompts_[2]);
    QCOMPARE(queryInt(*check_, "SELECT strength FROM rankings WHERE id = ?", id), 1);
  }

  void enterOnAnIncompleteRankingSaysWhatIsMissing() {
    keys("2");
    QTest::keyClick(view(), Qt::Key_Return);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 0);
    QString hint = view()->strip()->hint();
    QVERIFY2(hint.contains("Not saved") && hint.contains("1, 3, 4"), qPrintable(hint));
  }

  void nineCardsStackWhenNarrowAndTheOrderIsShuffled() {
    keys("sss");
    QCOMPARE(view()->promptId(), prompts_[3]);
    QCOMPARE(view()->completionIds().size(), 5);
    page_->resize(1900, 800);
    QCoreApplication::processEvents();
    QCOMPARE(view()->columns(), 5);  // wide: five side by side
    page_->resize(700, 800);
    QCoreApplication::processEvents();
    QVERIFY(view()->columns() < 5);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM card_orders"), 4);
  }

  // Submits prompt 0 (K = 4) with a flag on card 2 and a comment, then reopens it from the
  // History tab. Returns the first version's id.
  int64_t rankFlagAndReopen() {
    view()->setFlagChooser([](const ui::FlagChoice&) {
      return std::optional<ui::FlagChoice>({{1, "hallucination"}});
    });
    view()->setCommentAsker([](const QString&) { return std::optional<QString>("check card 2"); });
    keys("fc1234");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t v1 = currentRanking(prompts_[0]);
    auto* tabs = page_->findChild<QTabWidget*>("sideTabs");
    tabs->setCurrentWidget(page_->history());
    QListWidget* list = page_->history()->list();
    list->setFocus();  // as a double-click does
    for (int i = 0; i < list->count(); ++i)
      if (list->item(i)->data(Qt::UserRole).toLongLong() == prompts_[0])
        Q_EMIT list->itemActivated(list->item(i));
    return v1;
  }

  void rerankingFromHistoryKeepsFlagsAndComment() {
    int64_t v1 = rankFlagAndReopen();
    QCOMPARE(view()->promptId(), prompts_[0]);
    QCOMPARE(view()->flags(), (ui::FlagChoice{{1, "hallucination"}}));
    int64_t flagged = card(1);
    for (int i = 0; i < 4; ++i) QTest::keyClick(view(), Qt::Key_Backspace);
    keys("4321");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t v2 = currentRanking(prompts_[0]);
    QVERIFY(v2 != v1);
    QCOMPARE(queryInt(*check_,
                      "SELECT count(*) FROM ranking_flags WHERE ranking_id = ? AND flag = "
                      "'hallucination' AND completion_id = " + std::to_string(flagged), v2),
             1);
    db::Statement comment = check_->prepare("SELECT comment FROM rankings WHERE id = ?");
    comment.bind(1, v2);
    QVERIFY(comment.step());
    QCOMPARE(QString::fromStdString(comment.column_text(0)), QString("check card 2"));
    db::CompletionBrowser browser(*check_);
    db::BrowseFilter filter;
    filter.state = db::BrowseFilter::State::kFlagged;
    QCOMPARE(browser.count(filter), 1);  // Data > Flagged still counts it
  }

  void leavingAReopenedPromptChangesNothing() {
    int64_t v1 = rankFlagAndReopen();
    QCOMPARE(view()->promptId(), prompts_[0]);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(view()));  // focus follows
    const std::string all = "SELECT count(*) FROM rankings";
    QTest::keyClick(view(), Qt::Key_Escape);  // back to the queue
    QCOMPARE(view()->promptId(), prompts_[1]);
    QCOMPARE(queryInt(*check_, all), 1);
    QCOMPARE(currentRanking(prompts_[0]), v1);
  }

  void unchangedEnterOnAReopenedPromptWritesNothing() {
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t v1 = currentRanking(prompts_[0]);
    page_->controller()->reopen(prompts_[0]);
    QCOMPARE(view()->state().ranks(), (std::vector<int>{0, 1, 2, 3}));
    QTest::keyClick(view(), Qt::Key_Return);  // the same answer
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 1);
    QCOMPARE(currentRanking(prompts_[0]), v1);
    QCOMPARE(view()->promptId(), prompts_[1]);  // back to the queue
  }

  void skippingAReopenedRankingAsksFirst() {
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t v1 = currentRanking(prompts_[0]);
    QStringList asked;
    bool answer = false;
    view()->setConfirmer([&](const QString& question) {
      asked << question;
      return answer;
    });
    page_->controller()->reopen(prompts_[0]);
    keys("s");  // declined: nothing changes, the prompt stays
    QCOMPARE(asked.size(), 1);
    QVERIFY(asked[0].contains("training pairs"));
    QCOMPARE(currentRanking(prompts_[0]), v1);
    QCOMPARE(view()->promptId(), prompts_[0]);
    keys("x");  // all bad asks too
    QCOMPARE(asked.size(), 2);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 1);
    answer = true;
    keys("s");
    QCOMPARE(queryInt(*check_, "SELECT status = 'skipped' FROM rankings WHERE is_current = 1 AND "
                               "prompt_id = ?", prompts_[0]),
             1);
    page_->controller()->reopen(prompts_[0]);
    keys("s");  // skipped already: nothing asked, nothing written
    QCOMPARE(asked.size(), 3);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 2);
  }

  void flagsDialogShowsTheCurrentStateStoresOnceAndRemoves() {
    ui::FlagChoice seen;
    ui::FlagChoice next = {{-1, "harmful"}, {2, "unreadable"}};
    view()->setFlagChooser([&](const ui::FlagChoice& current) {
      seen = current;
      return std::optional<ui::FlagChoice>(next);
    });
    keys("f");
    QCOMPARE(seen, ui::FlagChoice());
    keys("f");  // pending flags are shown as they are
    QCOMPARE(seen, next);
    next = {{-1, "harmful"}, {-1, "harmful"}};  // twice, and card 3's flag removed
    keys("f");
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t id = currentRanking(prompts_[0]);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM ranking_flags WHERE ranking_id = ?", id), 1);
    page_->controller()->reopen(prompts_[0]);
    keys("f");  // a reopened answer: its stored flag is shown
    QCOMPARE(seen, (ui::FlagChoice{{-1, "harmful"}}));
    next = {};
    keys("f");  // removed from the database at once
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM ranking_flags"), 0);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 1);
    // The dialog itself: the current flags checked for their target, each once in its choice.
    ui::FlagsDialog dialog({"harmful", "unreadable"}, 4, {{1, "harmful"}, {1, "harmful"}});
    QCOMPARE(dialog.choice(), (ui::FlagChoice{{1, "harmful"}}));
    QCOMPARE(dialog.list()->item(0)->checkState(), Qt::Unchecked);  // the whole set: none
    dialog.target()->setCurrentIndex(2);                              // card 2
    QCOMPARE(dialog.list()->item(0)->checkState(), Qt::Checked);
    dialog.list()->item(0)->setCheckState(Qt::Unchecked);
    dialog.list()->item(1)->setCheckState(Qt::Checked);
    QCOMPARE(dialog.choice(), (ui::FlagChoice{{1, "unreadable"}}));
  }

  void undonePromptsComeNext() {
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    keys("123");
    QTest::keyClick(view(), Qt::Key_Return);
    QCOMPARE(view()->promptId(), prompts_[2]);
    QTest::keyClick(view(), Qt::Key_Z, Qt::ControlModifier);
    QTest::keyClick(view(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(view()->promptId(), prompts_[0]);
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    QCOMPARE(view()->promptId(), prompts_[1]);  // the other undone one, not prompt 2
    keys("s");
    QCOMPARE(view()->promptId(), prompts_[2]);
  }

  void cardsOpenAtTheirStart() {
    // A long code line and many lines: every card must open at its top left (the first words),
    // not scrolled to where the text ends.
    QString text = "First words.\n\n```\n" + QString("x = 1; ").repeated(80) + "\n```\n";
    for (int i = 0; i < 120; ++i) text += QString("line %1\n").arg(i);
    check_->prepare("UPDATE completions SET text = ? || id WHERE prompt_id = ?")
        .bind(1, text.toStdString())
        .bind(2, prompts_[0])
        .run();
    // A fresh window: a text browser scrolls to its text cursor when first shown.
    page_ = std::make_unique<ui::LabelingPage>(new ui::LabelingController(path_, "alice"));
    page_->resize(1300, 800);
    page_->show();
    QVERIFY(QTest::qWaitForWindowExposed(page_.get()));
    QCoreApplication::processEvents();
    for (int i = 0; i < 4; ++i) {
      QTextBrowser* body = view()->card(i)->body();
      QVERIFY(body->horizontalScrollBar()->maximum() > 0);  // the code line is wider than the card
      QCOMPARE(body->horizontalScrollBar()->value(), 0);
      QCOMPARE(body->verticalScrollBar()->value(), 0);
    }
  }

  void longCardsScrollWithTheKeyboard() {
    QString longText;
    for (int i = 0; i < 200; ++i) longText += QString("line %1\n").arg(i);
    check_->prepare("UPDATE completions SET text = ? || id WHERE prompt_id = ?")
        .bind(1, longText.toStdString())
        .bind(2, prompts_[0])
        .run();
    page_->controller()->showNext();
    QScrollBar* bar = view()->card(0)->body()->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QTest::keyClick(view(), Qt::Key_PageDown);
    QVERIFY(bar->value() > 0);
    int page = bar->value();
    QTest::keyClick(view(), Qt::Key_Down);
    QVERIFY(bar->value() > page);
    QTest::keyClick(view(), Qt::Key_End);
    QCOMPARE(bar->value(), bar->maximum());
    QTest::keyClick(view(), Qt::Key_Home);
    QCOMPARE(bar->value(), 0);
    QCOMPARE(view()->state().placedCount(), 0);
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 0);
  }

  void commentDialogOpensOnTheCommentAndCtrlEnterSaves() {
    ui::CommentDialog dialog("first thoughts");
    QCOMPARE(dialog.editor()->toPlainText(), QString("first thoughts"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::keyClicks(dialog.editor(), ", second");
    QTest::keyClick(dialog.editor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.text(), QString("first thoughts, second"));
    // Through the view: the asker is given the stored comment of a reopened answer, and giving it
    // back unchanged writes nothing.
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    int64_t id = currentRanking(prompts_[0]);
    check_->exec("UPDATE rankings SET comment = 'kept' WHERE id = " + std::to_string(id));
    page_->controller()->reopen(prompts_[0]);
    QString seen;
    view()->setCommentAsker([&](const QString& current) {
      seen = current;
      return std::optional<QString>(current);
    });
    keys("c");
    QCOMPARE(seen, QString("kept"));
    QCOMPARE(queryInt(*check_, "SELECT comment = 'kept' FROM rankings WHERE id = ?", id), 1);
  }

  void nothingLeftNeverSitsBesideAShortCount() {
    // Prompt 3 waits for its completions: with the others done, the queue is empty at 3 of 4.
    check_->exec("DELETE FROM completions WHERE prompt_id = " + std::to_string(prompts_[3]) +
                 " AND id NOT IN (SELECT min(id) FROM completions WHERE prompt_id = " +
                 std::to_string(prompts_[3]) + ")");
    page_ = std::make_unique<ui::LabelingPage>(new ui::LabelingController(path_, "alice"));
    keys("sss");
    QCOMPARE(view()->promptId(), 0);
    QString text = page_->progress()->text();
    QVERIFY2(!text.contains("3 of 4") && text.contains("nothing left for you"), qPrintable(text));
  }

  void promptsImportedWhileOpenAreOffered() {
    keys("ssss");
    QCOMPARE(view()->promptId(), 0);  // nothing left
    // Another program (the CLI, another copy) imports a prompt with its completions.
    check_->exec(
        "INSERT INTO prompts (text) VALUES ('imported later');"
        "INSERT INTO completions (prompt_id, text) SELECT max(id), 'a' FROM prompts;"
        "INSERT INTO completions (prompt_id, text) SELECT max(id), 'b' FROM prompts;");
    int64_t added = queryInt(*check_, "SELECT max(id) FROM prompts");
    QTRY_COMPARE(view()->promptId(), added);  // offered without a restart
    QVERIFY(page_->progress()->text().contains("4 of 5"));
  }

  void historyEntriesShowThePrompt() {
    check_->exec("UPDATE prompts SET text = 'Summarise the minutes of the budget meeting of the "
                 "harbour committee, in three bullet points' WHERE id = " +
                 std::to_string(prompts_[0]));
    page_->controller()->showNext();
    keys("1234");
    QTest::keyClick(view(), Qt::Key_Return);
    page_->findChild<QTabWidget*>("sideTabs")->setCurrentWidget(page_->history());
    QListWidget* list = page_->history()->list();
    QCOMPARE(list->count(), 1);
    QVERIFY(list->wordWrap());
    QStringList lines = list->item(0)->text().split('\n');
    QCOMPARE(lines.size(), 2);  // when and status, then the prompt on a line of its own
    QVERIFY(lines[1].startsWith("Summarise the minutes of the budget meeting of the harbour"));
  }

  void nineCardsAllReachableAt1024x700() {
    page_.reset();
    QString path = dir_.filePath("nine.sqlite");
    std::vector<int64_t> prompts = test::makeProject(path, {9});
    page_ = std::make_unique<ui::LabelingPage>(new ui::LabelingController(path, "alice"));
    page_->resize(1024, 700);
    page_->show();
    QVERIFY(QTest::qWaitForWindowExposed(page_.get()));
    QCOMPARE(view()->completionIds().size(), 9);
    QTest::keyClick(view(), Qt::Key_End, Qt::ShiftModifier);  // the page of cards, to its end
    QCoreApplication::processEvents();
    for (int i = 6; i < 9; ++i) QVERIFY2(!view()->card(i)->visibleRegion().isEmpty(), "last row");
    QTest::keyClick(view(), Qt::Key_Home, Qt::ShiftModifier);
    QCoreApplication::processEvents();
    QVERIFY(!view()->card(0)->visibleRegion().isEmpty());
    keys("123456789");
    QTest::keyClick(view(), Qt::Key_Return);
    db::Database check(path.toStdString(), false);
    QCOMPARE(queryInt(check, "SELECT count(*) FROM ranking_entries"), 9);
  }

  void twoLabelersAtTheSamePaceDoNotDuplicateWork() {
    // Overlap 1 (the default), alice and bob in two copies of the program on one file, pressing
    // Enter in turn: every prompt is ranked once.
    page_.reset();
    QString path = dir_.filePath("pace.sqlite");
    test::makeProject(path, std::vector<int>(12, 3));
    ui::LabelingPage alice(new ui::LabelingController(path, "alice"));
    ui::LabelingPage bob(new ui::LabelingController(path, "bob"));
    for (int turn = 0; turn < 12; ++turn) {
      ui::RankingView* view = (turn % 2 ? bob : alice).view();
      if (view->promptId() == 0) break;
      for (char key : {'1', '2', '3'}) QTest::keyClick(view, key);
      QTest::keyClick(view, Qt::Key_Return);
    }
    db::Database check(path.toStdString(), false);
    QCOMPARE(queryInt(check, "SELECT count(*) FROM rankings"), 12);
    QCOMPARE(queryInt(check, "SELECT count(DISTINCT prompt_id) FROM rankings"), 12);
    QCOMPARE(queryInt(check, "SELECT count(DISTINCT labeler_id) FROM rankings"), 2);
  }

  void helpOverlayListsEveryShortcut() {
    QTest::keyClick(view(), '?');
    QVERIFY(view()->helpVisible());
    QString help = ui::HelpOverlay::shortcutsHtml();
    for (const char* key : {"1 .. 9", "=", "Backspace", "Enter", "S", "X", "F", "C", "Ctrl+Z", "?"})
      QVERIFY2(help.contains(QString("<b>%1</b>").arg(key)), key);
    keys("1");  // closes the help, does not pick
    QVERIFY(!view()->helpVisible());
    QCOMPARE(view()->state().placedCount(), 0);
  }

  void suggestionsShowOnlyWhenEnabledAndMarked() {
    page_.reset();
    {
      db::Database db(path_.toStdString(), false);
      db.prepare(
            "INSERT INTO suggested_rankings (prompt_id, source, ranking_json) SELECT prompt_id, "
            "'import', json_group_array(id) FROM (SELECT prompt_id, id FROM completions "
            "WHERE prompt_id = ? ORDER BY id DESC)")
          .bind(1, prompts_[0])
          .run();
    }
    page_ = std::make_unique<ui::LabelingPage>(new ui::LabelingController(path_, "alice"));
    auto* label = view()->findChild<QLabel*>("suggestion");
    QVERIFY(label);
    QVERIFY(label->isHidden());  // off by default
    check_->exec("INSERT INTO project_settings (key, value) VALUES ('show_suggestions', '1')");
    page_ = std::make_unique<ui::LabelingPage>(new ui::LabelingController(path_, "alice"));
    label = view()->findChild<QLabel*>("suggestion");
    QVERIFY(!label->isHidden());
    QVERIFY(label->text().contains("from import, not a label"));
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 0);  // a suggestion is no label
  }

  void aDatabaseErrorIsShownNotThrown() {
    // Another program deletes the prompt under our feet: the submit fails inside its transaction.
    check_->exec("DELETE FROM prompts WHERE id = " + std::to_string(prompts_[0]));
    QSignalSpy errors(page_->controller(), &ui::LabelingController::errorOccurred);
    keys("123");
    QTest::keyClick(view(), Qt::Key_Return);
    QCOMPARE(errors.count(), 1);
    QVERIFY(errors.first().first().toString().contains("fewer than two completions"));
    QCOMPARE(queryInt(*check_, "SELECT count(*) FROM rankings"), 0);
  }
};

QTEST_MAIN(TestLabelingKeyboard)
#include "test_labeling_keyboard.moc"
