// The data table's paged queries: filters (labeled, unlabeled, flagged, by labeler), search with
// LIKE wildcards escaped, and keyset pages agreeing with OFFSET pages. A :memory: project via SQL.
#include <gtest/gtest.h>

#include "db/completion_browser.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

// Prompts 1..10, two completions each ("answer <p>a", "answer <p>b"); prompt 7 says "50% off".
// alice ranked 1, 2, 3 (3 with a flag); bob ranked 2, marked 4 all bad, skipped 5.
class BrowserDb : public ::testing::Test {
 protected:
  void SetUp() override {
    migrate(db_);
    Statement prompt = db_.prepare("INSERT INTO prompts (id, text) VALUES (?1, ?2)");
    Statement completion = db_.prepare("INSERT INTO completions (prompt_id, text) VALUES (?1, ?2)");
    for (int p = 1; p <= 10; ++p) {
      prompt.bind(1, p).bind(2, p == 7 ? "Prompt 7: 50% off" : "Prompt " + std::to_string(p));
      prompt.run();
      for (const char* suffix : {"a", "b"}) {
        completion.bind(1, p).bind(2, "answer " + std::to_string(p) + suffix);
        completion.run();
      }
    }
    db_.exec(R"sql(
      INSERT INTO labelers (id, name) VALUES (1, 'alice'), (2, 'bob');
      INSERT INTO rankings (id, prompt_id, labeler_id, status) VALUES
        (1, 1, 1, 'ranked'), (2, 2, 1, 'ranked'), (3, 3, 1, 'ranked'),
        (4, 2, 2, 'ranked'), (5, 4, 2, 'all_bad'), (6, 5, 2, 'skipped');
      INSERT INTO ranking_flags (ranking_id, completion_id, flag) VALUES (3, NULL, 'harmful');
      INSERT INTO ranking_entries (ranking_id, completion_id, rank) VALUES (1, 2, 0), (1, 1, 1);
    )sql");
  }
  std::vector<int64_t> ids(const BrowseFilter& filter) {
    std::vector<int64_t> result;
    for (const auto& row : CompletionBrowser(db_).fetch(filter, 0, 100))
      result.push_back(row.prompt_id);
    return result;
  }
  Database db_{":memory:"};
};

TEST_F(BrowserDb, RowsCarryCountsLabelersAndFlags) {
  CompletionBrowser browser(db_);
  EXPECT_EQ(browser.count({}), 10);
  auto rows = browser.fetch({}, 1, 3);  // prompts 2, 3, 4
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].prompt_id, 2);
  EXPECT_EQ(rows[0].excerpt, "Prompt 2");
  EXPECT_EQ(rows[0].completions, 2);
  EXPECT_EQ(rows[0].labeled_by, "alice, bob");
  EXPECT_FALSE(rows[0].flagged);
  EXPECT_TRUE(rows[1].flagged);
  EXPECT_EQ(rows[1].flags, "harmful");
  EXPECT_TRUE(rows[2].flagged);
  EXPECT_EQ(rows[2].flags, "all bad");
  EXPECT_EQ(rows[2].labeled_by, "bob");
  EXPECT_EQ(browser.completions(2).size(), 2u);
  EXPECT_EQ(browser.completions(2)[1].text, "answer 2b");
  EXPECT_THROW(browser.prompt_text(99), DbError);
  auto rankings = browser.rankings(1);
  ASSERT_EQ(rankings.size(), 1u);
  EXPECT_EQ(rankings[0].labeler, "alice");
  EXPECT_EQ(rankings[0].ranks, (std::map<int64_t, int>{{1, 1}, {2, 0}}));
  auto all_bad = browser.rankings(4);
  ASSERT_EQ(all_bad.size(), 1u);
  EXPECT_EQ(all_bad[0].status, "all_bad");
  EXPECT_TRUE(all_bad[0].ranks.empty());
}

TEST_F(BrowserDb, Filters) {
  using State = BrowseFilter::State;
  EXPECT_EQ(ids({State::kLabeled, {}, ""}), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(ids({State::kUnlabeled, {}, ""}), (std::vector<int64_t>{5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(ids({State::kFlagged, {}, ""}), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(ids({State::kAll, 2, ""}), (std::vector<int64_t>{2, 4}));  // labeled by bob
  EXPECT_EQ(ids({State::kFlagged, 2, ""}), (std::vector<int64_t>{4}));
  EXPECT_EQ(CompletionBrowser(db_).count({State::kUnlabeled, 1, ""}), 7);  // alice's remaining
}

TEST_F(BrowserDb, SearchMatchesPromptOrCompletionAndEscapesWildcards) {
  using State = BrowseFilter::State;
  EXPECT_EQ(ids({State::kAll, {}, "50%"}), (std::vector<int64_t>{7}));
  EXPECT_EQ(ids({State::kAll, {}, "ANSWER 9B"}), (std::vector<int64_t>{9}));  // ASCII case folds
  EXPECT_TRUE(ids({State::kAll, {}, "answer_"}).empty());                     // "_" is no wildcard
  EXPECT_EQ(ids({State::kLabeled, {}, "prompt 1"}), (std::vector<int64_t>{1}));  // not 10
  EXPECT_EQ(CompletionBrowser(db_).count({State::kAll, {}, "prompt 1"}), 2);
}

TEST_F(BrowserDb, PageIndexHoldsEachPagesFirstId) {
  CompletionBrowser browser(db_);
  PageIndex all = browser.page_index({}, 4);
  EXPECT_EQ(all.count, 10);
  EXPECT_EQ(all.page_starts, (std::vector<int64_t>{1, 5, 9}));
  PageIndex unlabeled = browser.page_index({BrowseFilter::State::kUnlabeled, {}, ""}, 4);
  EXPECT_EQ(unlabeled.count, 6);
  EXPECT_EQ(unlabeled.page_starts, (std::vector<int64_t>{5, 9}));
  EXPECT_TRUE(browser.page_index({BrowseFilter::State::kAll, {}, "nothing like it"}, 4)
                  .page_starts.empty());
  EXPECT_THROW(browser.page_index({}, 0), DbError);
}

TEST_F(BrowserDb, KeysetPagesEqualOffsetPages) {
  CompletionBrowser browser(db_);
  BrowseFilter unlabeled{BrowseFilter::State::kUnlabeled, {}, ""};
  auto first = browser.fetch(unlabeled, 0, 3);
  auto next = browser.fetch_after(unlabeled, first.back().prompt_id, 3);
  auto by_offset = browser.fetch(unlabeled, 3, 3);
  ASSERT_EQ(next.size(), 3u);
  for (size_t i = 0; i < next.size(); ++i) EXPECT_EQ(next[i].prompt_id, by_offset[i].prompt_id);
  EXPECT_TRUE(browser.fetch_after(unlabeled, 10, 3).empty());
}

}  // namespace
}  // namespace prefstudio::db
