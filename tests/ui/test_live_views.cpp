// The Data and Agreement tabs follow the project while others work: a labeler who ranks in another
// program (a second connection here) joins the Data tab's labeler filter, and the Agreement tab
// recomputes, without Refresh or Recompute; a hidden Agreement tab recomputes when shown.
#include <QComboBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "db/label_store.h"
#include "labeling_fixture.h"
#include "ui/agreement_view.h"
#include "ui/data_table_model.h"
#include "ui/data_view.h"

using namespace prefstudio;

class TestLiveViews : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // `labeler` ranks every prompt of the project the same way, committed on its own connection.
  static void rankAll(const QString& path, const std::string& labeler) {
    db::Database db(path.toStdString(), false);
    db::LabelStore store(db);
    int64_t id = store.get_or_create_labeler(labeler);
    db::Statement prompts = db.prepare("SELECT id FROM prompts ORDER BY id");
    std::vector<int64_t> ids;
    while (prompts.step()) ids.push_back(prompts.column_int(0));
    for (int64_t prompt : ids) {
      db::RankingSubmission submission;
      submission.prompt_id = prompt;
      submission.labeler_id = id;
      db::Statement completions =
          db.prepare("SELECT id FROM completions WHERE prompt_id = ? ORDER BY id");
      completions.bind(1, prompt);
      int rank = 0;
      while (completions.step()) submission.ranks.emplace_back(completions.column_int(0), rank++);
      store.submit_ranking(submission);
    }
  }

 private Q_SLOTS:
  void dataTabLabelerFilterFollowsRankings() {
    QString path = dir_.filePath("data.sqlite");
    test::makeProject(path, {3, 3});
    ui::DataView view(path);
    view.show();
    QCOMPARE(view.labelerBox()->findText("zoe"), -1);
    rankAll(path, "zoe");
    QTRY_VERIFY(view.labelerBox()->findText("zoe") >= 0);
  }

  void dataTabRowsAreReadAgainWhenShown() {
    QString path = dir_.filePath("rows.sqlite");
    test::makeProject(path, {3});
    ui::DataView view(path);
    view.show();
    QCOMPARE(view.model()->rowCount(), 1);
    view.hide();
    {
      db::Database other(path.toStdString(), false);  // another program imports two prompts
      other.exec(
          "INSERT INTO prompts (text) VALUES ('later one'), ('later two');"
          "INSERT INTO completions (prompt_id, text) SELECT id, 'a' FROM prompts WHERE text LIKE "
          "'later%';");
    }
    QTest::qWait(2 * 1000);  // the watcher notices while the tab is hidden
    view.show();
    QTRY_COMPARE(view.model()->rowCount(), 3);
  }

  void agreementFollowsRankingsWhileShownAndWhenShownAgain() {
    QString path = dir_.filePath("agreement.sqlite");
    test::makeProject(path, {3, 3, 4});
    ui::AgreementView view(path);
    view.show();
    QSignalSpy refreshed(&view, &ui::AgreementView::refreshed);
    view.refresh();
    QTRY_VERIFY(refreshed.count() >= 1);
    QCOMPARE(view.report().labelers.size(), size_t(0));
    rankAll(path, "ann");
    rankAll(path, "ben");
    QTRY_COMPARE(view.report().labelers.size(), size_t(2));
    QCOMPARE(view.report().prompts_shared, 3);
    view.hide();
    rankAll(path, "cy");
    QTest::qWait(2 * 1000);  // a hidden tab does not compute ...
    QCOMPARE(view.report().labelers.size(), size_t(2));
    view.show();  // ... until it is shown
    QTRY_COMPARE(view.report().labelers.size(), size_t(3));
  }
};

QTEST_MAIN(TestLiveViews)
#include "test_live_views.moc"
