// ScoreStore: scores upserted per source with the source's row, sources newest first with their
// counts, bad scores refused whole, suggestions stored (and never read as rankings), and every
// completion streamed grouped by prompt with its finish reason.
#include <gtest/gtest.h>

#include <cmath>

#include "db/completion_store.h"
#include "db/label_store.h"
#include "db/pair_builder.h"
#include "db/schema.h"
#include "db/score_store.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

class ScoreStoreTest : public ::testing::Test {
 protected:
  Database db_ = open_project(":memory:");
  ScoreStore scores_{db_};
  std::vector<int64_t> prompts_, completions_;
  void SetUp() override {
    CompletionStore store(db_);
    prompts_ = store.add_prompts({"Sort: ba\n", "Sort: dc\n"});
    store.add_completion(prompts_[1], "cd", std::nullopt, "", "eos");
    store.add_completion(prompts_[0], "ab", std::nullopt, "", "eos");
    store.add_completion(prompts_[0], "b", std::nullopt, "", "length");
    store.add_completion(prompts_[0], "ba", std::nullopt, "", "");
    Statement ids = db_.prepare("SELECT id FROM completions ORDER BY id");
    while (ids.step()) completions_.push_back(ids.column_int(0));
  }
  double score(int64_t completion_id, const std::string& source) {
    Statement select =
        db_.prepare("SELECT score FROM completion_scores WHERE completion_id = ? AND source = ?");
    select.bind(1, completion_id).bind(2, source);
    return select.step() ? select.column_double(0) : std::nan("");
  }
};

TEST_F(ScoreStoreTest, StoresUpsertsAndListsSourcesNewestFirst) {
  scores_.store_scores("hash-a", "reward run 1", "/ckpt/a",
                       {{completions_[0], 1.5}, {completions_[1], -0.5}});
  scores_.store_scores("hash-b", "", "", {{completions_[2], 2.0}});
  db_.exec(
      "UPDATE score_sources SET scored_at = '2000-01-01T00:00:00.000Z' WHERE source = 'hash-b'");
  // Scoring hash-a again replaces its scores, adds new ones and refreshes its name and time.
  scores_.store_scores("hash-a", "reward run 1, step 400", "/ckpt/a2",
                       {{completions_[1], 0.25}, {completions_[3], 3.0}});
  EXPECT_EQ(score(completions_[0], "hash-a"), 1.5);
  EXPECT_EQ(score(completions_[1], "hash-a"), 0.25);
  EXPECT_EQ(score(completions_[3], "hash-a"), 3.0);
  EXPECT_EQ(score(completions_[2], "hash-b"), 2.0);
  EXPECT_EQ(test::count_rows(db_, "completion_scores"), 4);

  std::vector<ScoreSource> sources = scores_.sources();
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].source, "hash-a");
  EXPECT_EQ(sources[0].name, "reward run 1, step 400");
  EXPECT_EQ(sources[0].path, "/ckpt/a2");
  EXPECT_EQ(sources[0].scores, 3);
  EXPECT_GT(sources[0].scored_at, sources[1].scored_at);
  EXPECT_EQ(sources[1].source, "hash-b");
  EXPECT_EQ(sources[1].name, "");
  EXPECT_EQ(sources[1].path, "");
  EXPECT_EQ(sources[1].scored_at, "2000-01-01T00:00:00.000Z");
  EXPECT_EQ(sources[1].scores, 1);
  EXPECT_EQ(scores_.newest_source(), std::optional<std::string>("hash-a"));
}

TEST_F(ScoreStoreTest, BadScoresStoreNothing) {
  EXPECT_FALSE(scores_.newest_source().has_value());
  EXPECT_TRUE(scores_.sources().empty());
  auto expect_error = [&](const std::vector<std::pair<int64_t, double>>& scores,
                          const std::string& source, const std::string& words) {
    try {
      scores_.store_scores(source, "", "", scores);
      FAIL() << "stored: " << words;
    } catch (const DbError& error) {
      EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
    }
  };
  expect_error({{completions_[0], 1.0}, {completions_[1], std::nan("")}}, "rm",
               "completion " + std::to_string(completions_[1]) + " is not finite");
  expect_error({{completions_[0], 1.0}, {999, 1.0}}, "rm", "completion 999");
  expect_error({{completions_[0], 1.0}}, "", "source is empty");
  EXPECT_EQ(test::count_rows(db_, "completion_scores"), 0);
  EXPECT_EQ(test::count_rows(db_, "score_sources"), 0);
}

TEST_F(ScoreStoreTest, SuggestionsAreStoredButNeverRankings) {
  // Prompt 0's completions are completions_[1..3].
  scores_.store_suggestion(prompts_[0], "hash-a",
                           {completions_[3], completions_[1], completions_[2]});
  scores_.store_suggestion(prompts_[0], "hash-a",
                           {completions_[1], completions_[3], completions_[2]});
  Statement stored = db_.prepare("SELECT prompt_id, source, ranking_json FROM suggested_rankings");
  ASSERT_TRUE(stored.step());
  EXPECT_EQ(stored.column_int(0), prompts_[0]);
  EXPECT_EQ(stored.column_text(1), "hash-a");
  EXPECT_EQ(stored.column_text(2), "[" + std::to_string(completions_[1]) + "," +
                                       std::to_string(completions_[3]) + "," +
                                       std::to_string(completions_[2]) + "]");
  EXPECT_FALSE(stored.step());
  // Another prompt's completion, or one twice, is refused.
  EXPECT_THROW(scores_.store_suggestion(prompts_[0], "hash-a", {completions_[0], completions_[1]}),
               DbError);
  EXPECT_THROW(scores_.store_suggestion(prompts_[0], "hash-a", {completions_[1], completions_[1]}),
               DbError);
  // Nothing that reads labels sees a suggestion.
  EXPECT_EQ(test::count_rows(db_, "rankings"), 0);
  EXPECT_TRUE(load_comparisons(db_, PairMode::per_labeler, SplitOptions{}).empty());
  LabelStore labels(db_);
  ProjectSettings settings = labels.settings();
  settings.show_suggestions = true;
  labels.save_settings(settings);
  PromptForLabeling shown = labels.load_prompt(prompts_[0], labels.get_or_create_labeler("ann"));
  ASSERT_EQ(shown.suggestions.size(), 1u);
  EXPECT_EQ(shown.suggestions[0].source, "hash-a");
  EXPECT_FALSE(shown.current.has_value());
}

TEST_F(ScoreStoreTest, ForEachCompletionGroupsByPrompt) {
  std::vector<std::string> seen;
  scores_.for_each_completion([&](const CompletionToScore& row) {
    seen.push_back(std::to_string(row.prompt_id) + "|" + row.prompt + "|" +
                   std::to_string(row.completion_id) + "|" + row.text + "|" + row.finish_reason);
  });
  auto line = [&](size_t prompt, const std::string& prompt_text, size_t completion,
                  const std::string& text, const std::string& reason) {
    return std::to_string(prompts_[prompt]) + "|" + prompt_text + "|" +
           std::to_string(completions_[completion]) + "|" + text + "|" + reason;
  };
  EXPECT_EQ(seen,
            (std::vector<std::string>{
                line(0, "Sort: ba\n", 1, "ab", "eos"), line(0, "Sort: ba\n", 2, "b", "length"),
                line(0, "Sort: ba\n", 3, "ba", ""), line(1, "Sort: dc\n", 0, "cd", "eos")}));
}

}  // namespace
}  // namespace prefstudio::db
