// Scale check of the data tab (label "slow"): 250,000 prompts and 1,000,000 completions. Times
// opening the tab, then scrolling: 300 page-down steps and 100 jumps of the scroll bar to random
// places, each followed by a synchronous repaint of the table. Prints the median and worst frame
// and fails past 50 ms (a frame at 60 Hz is 16 ms; a new page is read every 200 rows).
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <chrono>
#include <random>

#include "db/schema.h"
#include "ui/data_table_model.h"
#include "ui/data_view.h"

using namespace prefstudio;

namespace {

double elapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

class TestDataViewSlow : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void scrollsAMillionCompletions() {
    QTemporaryDir dir;
    QString path = dir.filePath("million.sqlite");
    {
      db::Database db = db::open_project(path.toStdString());
      db.exec(R"sql(
        BEGIN;
        INSERT INTO labelers (id, name) VALUES (1, 'ann'), (2, 'ben');
        INSERT INTO prompts (id, text) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
          FROM n WHERE i < 250000) SELECT i, 'Prompt ' || i || ' ' || hex(randomblob(40)) FROM n;
        INSERT INTO completions (prompt_id, text) SELECT p.id, 'Completion ' || k.k || ' ' ||
          hex(randomblob(100)) FROM prompts p,
          (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k;
        INSERT INTO rankings (prompt_id, labeler_id) SELECT p.id, l.id FROM prompts p, labelers l
          WHERE p.id % 2 = 0;
        COMMIT;
      )sql");
    }
    auto start = std::chrono::steady_clock::now();
    ui::DataView view(path);
    view.resize(1000, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    double open_ms = elapsedMs(start);
    QCOMPARE(view.model()->rowCount(), 250000);

    QScrollBar* bar = view.table()->verticalScrollBar();
    std::vector<double> steps, jumps;
    for (int i = 0; i < 300; ++i) {
      auto frame = std::chrono::steady_clock::now();
      bar->triggerAction(QAbstractSlider::SliderPageStepAdd);
      view.table()->viewport()->repaint();
      steps.push_back(elapsedMs(frame));
    }
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> place(0, bar->maximum());
    for (int i = 0; i < 100; ++i) {
      auto frame = std::chrono::steady_clock::now();
      bar->setValue(place(rng));
      view.table()->viewport()->repaint();
      jumps.push_back(elapsedMs(frame));
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    double worst_step = *std::max_element(steps.begin(), steps.end());
    double worst_jump = *std::max_element(jumps.begin(), jumps.end());
    qInfo("open (page index of 250,000 prompts + first paint): %.0f ms", open_ms);
    qInfo("page-down + repaint: median %.2f ms, worst %.2f ms (300 steps)", median(steps),
          worst_step);
    qInfo("random jump + repaint: median %.2f ms, worst %.2f ms (100 jumps); pages read: %d",
          median(jumps), worst_jump, view.model()->pagesLoaded());
    QVERIFY(median(steps) < 16.0);
    QVERIFY(worst_step < 50.0);
    QVERIFY(worst_jump < 50.0);
  }
};

QTEST_MAIN(TestDataViewSlow)
#include "test_data_view_slow.moc"
