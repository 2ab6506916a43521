// Scale check (label "slow"): a project of 250,000 prompts and 1,000,000 completions, a third of
// the prompts ranked by three labelers. Prints how long the data table's queries and the agreement
// take, and fails if a page of rows would stall scrolling (over 50 ms; a 60 Hz frame is 16 ms and
// the table reads a page only every 200 rows).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "db/completion_browser.h"
#include "db/labeler_agreement.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

double milliseconds(const std::function<void()>& work) {
  auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(CompletionBrowserScale, MillionCompletionsPageQuickly) {
  namespace fs = std::filesystem;
  fs::path path = fs::temp_directory_path() / ("prefstudio_browser_" + std::to_string(getpid()));
  fs::remove(path);
  {
    Database db = open_project(path.string());
    double build = milliseconds([&] {
      Transaction transaction(db);
      db.exec(R"sql(
        INSERT INTO labelers (id, name) VALUES (1, 'ann'), (2, 'ben'), (3, 'cat');
        INSERT INTO prompts (id, text) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
          FROM n WHERE i < 250000) SELECT i, 'Prompt ' || i || ' ' || hex(randomblob(40)) FROM n;
        INSERT INTO completions (prompt_id, text) SELECT p.id, 'Completion ' || k.k || ' of ' ||
          p.id || ' ' || hex(randomblob(100)) FROM prompts p,
          (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k;
        INSERT INTO rankings (prompt_id, labeler_id) SELECT p.id, l.id FROM prompts p, labelers l
          WHERE p.id % 3 = 0;
        INSERT INTO ranking_entries (ranking_id, completion_id, rank) SELECT r.id, c.id,
          (c.id * 7 + r.labeler_id * (c.id % 2)) % 4 FROM rankings r
          JOIN completions c ON c.prompt_id = r.prompt_id;
        INSERT INTO ranking_flags (ranking_id, flag) SELECT id, 'harmful' FROM rankings
          WHERE id % 101 = 0;
      )sql");
      transaction.commit();
    });
    std::printf("built 250,000 prompts / 1,000,000 completions / 250,000 rankings in %.0f ms\n",
                build);
  }
  Database db = open_project(path.string(), false);
  CompletionBrowser browser(db);
  BrowseFilter all;
  BrowseFilter labeled{BrowseFilter::State::kLabeled, {}, ""};
  BrowseFilter unlabeled_by_ann{BrowseFilter::State::kUnlabeled, 1, ""};
  int64_t count_all = 0, count_labeled = 0;
  double t_count = milliseconds([&] { count_all = browser.count(all); });
  double t_count_labeled = milliseconds([&] { count_labeled = browser.count(labeled); });
  EXPECT_EQ(count_all, 250000);
  EXPECT_EQ(count_labeled, 83333);
  std::vector<BrowseRow> rows;
  double t_first = milliseconds([&] { rows = browser.fetch(all, 0, 200); });
  double t_middle = milliseconds([&] { rows = browser.fetch(all, 125000, 200); });
  EXPECT_EQ(rows.front().prompt_id, 125001);
  double t_last = milliseconds([&] { rows = browser.fetch(all, 249800, 200); });
  EXPECT_EQ(rows.back().prompt_id, 250000);
  double t_keyset = milliseconds([&] { rows = browser.fetch_after(all, 200000, 200); });
  EXPECT_EQ(rows.front().prompt_id, 200001);
  double t_labeled_deep = milliseconds([&] { rows = browser.fetch(labeled, 80000, 200); });
  double t_labeled_keyset = milliseconds([&] { rows = browser.fetch_after(labeled, 240000, 200); });
  EXPECT_EQ(rows.front().prompt_id, 240003);
  double t_unlabeled = milliseconds([&] { rows = browser.fetch(unlabeled_by_ann, 150000, 200); });
  PageIndex index_all, index_labeled;
  double t_index_all = milliseconds([&] { index_all = browser.page_index(all, 200); });
  double t_index_labeled = milliseconds([&] { index_labeled = browser.page_index(labeled, 200); });
  EXPECT_EQ(index_labeled.count, 83333);
  double t_labeled_jump = milliseconds(
      [&] { rows = browser.fetch_after(labeled, index_labeled.page_starts[400] - 1, 200); });
  EXPECT_EQ(rows.front().prompt_id, 3 * 80001);
  BrowseFilter search{BrowseFilter::State::kAll, {}, "Prompt 123456 "};
  double t_search = milliseconds([&] { EXPECT_EQ(browser.count(search), 1); });
  AgreementReport report;
  double t_agreement = milliseconds([&] { report = compute_agreement(db); });
  double t_consensus = milliseconds([&] { consensus_ranking(db, 3000); });
  EXPECT_EQ(report.prompts_shared, 83333);

  std::printf(
      "count all %.1f ms | count labeled %.1f ms | page at 0: %.2f ms, at 125,000: %.2f ms, at "
      "249,800: %.2f ms | keyset page at 200,000: %.2f ms | labeled page at offset 80,000: %.2f "
      "ms, by keyset: %.2f ms | unlabeled-by-ann at 150,000: %.2f ms | search (full scan): %.0f "
      "ms | agreement over 250,000 rankings: %.0f ms | consensus of one prompt: %.2f ms\n"
      "page index: all %.0f ms, labeled %.0f ms | labeled page 400 by the index: %.2f ms\n",
      t_count, t_count_labeled, t_first, t_middle, t_last, t_keyset, t_labeled_deep,
      t_labeled_keyset, t_unlabeled, t_search, t_agreement, t_consensus, t_index_all,
      t_index_labeled, t_labeled_jump);
  EXPECT_LT(t_first, 50.0);
  EXPECT_LT(t_middle, 50.0);
  EXPECT_LT(t_last, 50.0);
  EXPECT_LT(t_keyset, 50.0);
  EXPECT_LT(t_labeled_keyset, 50.0);
  EXPECT_LT(t_labeled_jump, 50.0);
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
}

}  // namespace
}  // namespace prefstudio::db
