// Pair arithmetic: K(K-1)/2 pairs minus ties, the inverse used by pair imports, consensus by
// majority with ties dropped, per-labeler pairs traced to their rankings, and the split by prompt.
#include <gtest/gtest.h>

#include <set>

#include "db/jsonl_importer.h"
#include "db/pair_builder.h"
#include "db/project_store.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

using Pairs = std::vector<std::pair<int64_t, int64_t>>;

TEST(RankingToPairs, StrictRankingGivesKChooseTwo) {
  for (int k = 2; k <= 9; ++k) {
    std::vector<std::pair<int64_t, int>> ranks;
    for (int i = 0; i < k; ++i) ranks.emplace_back(100 + i, k - 1 - i);
    EXPECT_EQ(ranking_to_pairs(ranks).size(), static_cast<size_t>(k * (k - 1) / 2)) << k;
  }
  EXPECT_EQ(ranking_to_pairs({{1, 2}, {2, 0}, {3, 1}}), (Pairs{{2, 3}, {2, 1}, {3, 1}}));
}

TEST(RankingToPairs, TiedPairsAreDropped) {
  // 5 completions, ranks 0 0 1 1 1: 10 pairs minus 1 tie at the top minus 3 below = 6.
  EXPECT_EQ(ranking_to_pairs({{1, 0}, {2, 0}, {3, 1}, {4, 1}, {5, 1}}),
            (Pairs{{1, 3}, {1, 4}, {1, 5}, {2, 3}, {2, 4}, {2, 5}}));
  EXPECT_TRUE(ranking_to_pairs({{1, 0}, {2, 0}}).empty());
  EXPECT_TRUE(ranking_to_pairs({{1, 0}}).empty());
}

TEST(PairsToRanking, InvertsRankingToPairs) {
  std::vector<std::pair<int64_t, int>> ranks = {{4, 0}, {7, 1}, {9, 0}, {11, 2}, {12, 1}};
  auto back = pairs_to_ranking(ranking_to_pairs(ranks));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, ProjectStore::dense_ranks(ranks));
  EXPECT_FALSE(pairs_to_ranking({{1, 2}, {2, 1}}).has_value());  // a cycle
  EXPECT_FALSE(pairs_to_ranking({{1, 2}, {3, 4}}).has_value());  // open order
  EXPECT_FALSE(pairs_to_ranking({{1, 2}, {2, 3}}).has_value());  // 1 > 3 not given
  EXPECT_TRUE(
      pairs_to_ranking({{1, 2}, {2, 3}, {1, 3}, {1, 2}}).has_value());  // repeat counts once
}

LabelerRanking ranking(int64_t labeler, std::vector<std::pair<int64_t, int>> ranks) {
  return {labeler * 10, labeler, "l" + std::to_string(labeler), std::move(ranks)};
}

TEST(ConsensusPairs, MajorityWinsAndEqualVotesDrop) {
  std::vector<LabelerRanking> rankings = {
      ranking(1, {{1, 0}, {2, 1}, {3, 2}}),  // 1 > 2 > 3
      ranking(2, {{1, 0}, {2, 2}, {3, 1}}),  // 1 > 3 > 2
      ranking(3, {{1, 1}, {2, 0}, {3, 1}}),  // 2 > 1 = 3
  };
  std::vector<std::pair<int64_t, int64_t>> got;
  for (const PreferencePair& pair : consensus_pairs(5, rankings)) {
    EXPECT_EQ(pair.prompt_id, 5);
    EXPECT_EQ(pair.labeler_id, 0);
    got.emplace_back(pair.chosen_id, pair.rejected_id);
  }
  // 1 vs 2: 2 votes to 1. 1 vs 3: 2 to 0 (labeler 3 abstains). 2 vs 3: 2 to 1 for 2.
  EXPECT_EQ(got, (Pairs{{1, 2}, {1, 3}, {2, 3}}));
  rankings.pop_back();  // 2 vs 3 is now 1 to 1: dropped
  got.clear();
  for (const PreferencePair& pair : consensus_pairs(5, rankings))
    got.emplace_back(pair.chosen_id, pair.rejected_id);
  EXPECT_EQ(got, (Pairs{{1, 2}, {1, 3}}));
}

class LoadComparisons : public ::testing::Test {
 protected:
  test::TempDir dir_;
  Database db_ = open_project(":memory:");
  void SetUp() override {
    std::string lines;
    // Two labelers on p1 (K = 4, ann with a tie), one on p2 (K = 3), p3 unranked, plus an old
    // version and a skipped ranking that must not count.
    lines +=
        "{\"prompt\": \"p1\", \"completions\": [\"a\", \"b\", \"c\", \"d\"], \"ranks\": [0, 1, "
        "1, 2], \"labeler\": \"ann\"}\n";
    lines +=
        "{\"prompt\": \"p1\", \"completions\": [\"a\", \"b\", \"c\", \"d\"], \"ranking\": [3, "
        "0, 1, 2], \"labeler\": \"bob\"}\n";
    lines +=
        "{\"prompt\": \"p2\", \"completions\": [\"x\", \"y\", \"z\"], \"ranking\": [2, 1, 0], "
        "\"labeler\": \"bob\"}\n";
    lines +=
        "{\"prompt\": \"p2\", \"completions\": [\"x\", \"y\", \"z\"], \"ranking\": [0, 1, 2], "
        "\"labeler\": \"bob\"}\n";
    lines += "{\"prompt\": \"p3\", \"completions\": [\"u\", \"v\"]}\n";
    import_jsonl(db_, test::write_file(dir_.file("in.jsonl"), lines));
    db_.exec(
        "INSERT INTO labelers (name) VALUES ('cy');"
        "INSERT INTO rankings (prompt_id, labeler_id, status) VALUES (3, 3, 'skipped');");
  }
};

TEST_F(LoadComparisons, PerLabelerPairsAreTracedAndCounted) {
  auto prompts = load_comparisons(db_, PairMode::per_labeler, SplitOptions{});
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_EQ(prompts[0].prompt, "p1");
  EXPECT_EQ(prompts[0].completions.size(), 4u);
  ASSERT_EQ(prompts[0].rankings.size(), 2u);
  EXPECT_EQ(prompts[0].rankings[0].labeler, "ann");
  EXPECT_EQ(prompts[0].rankings[1].labeler, "bob");
  // ann: 6 pairs minus the b = c tie = 5; bob: 6.
  EXPECT_EQ(prompts[0].pairs.size(), 11u);
  std::set<int64_t> ranking_ids;
  for (const PreferencePair& pair : prompts[0].pairs) {
    EXPECT_EQ(pair.prompt_id, prompts[0].prompt_id);
    EXPECT_NE(pair.labeler_id, 0);
    ranking_ids.insert(pair.ranking_id);
  }
  EXPECT_EQ(ranking_ids.size(), 2u);
  // p2: only bob's current version (x > y > z), not the replaced z > y > x.
  ASSERT_EQ(prompts[1].pairs.size(), 3u);
  EXPECT_EQ(prompts[1]
                .completions[prompts[1].pairs[0].chosen_id - prompts[1].completions[0].first]
                .second,
            "x");
}

TEST_F(LoadComparisons, ConsensusDropsDisagreementsBetweenTwoLabelers) {
  auto prompts = load_comparisons(db_, PairMode::consensus, SplitOptions{});
  ASSERT_EQ(prompts.size(), 2u);
  // ann: a > b = c > d; bob: d > a > b > c. They agree on a>b, a>c; b>c has 1 vs 0 (ann tied);
  // a-d, b-d, c-d are 1 to 1: dropped.
  EXPECT_EQ(prompts[0].pairs.size(), 3u);
  for (const PreferencePair& pair : prompts[0].pairs) EXPECT_EQ(pair.ranking_id, 0);
}

TEST(Split, DeterministicByPromptTextAndNearTheFraction) {
  SplitOptions options{Split::validation, 7, 0.2};
  int validation = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string prompt = "prompt number " + std::to_string(i);
    bool in = prompt_in_validation(prompt, options);
    EXPECT_EQ(in, prompt_in_validation(prompt, options));
    EXPECT_NE(prompt_in_split(prompt, {Split::train, 7, 0.2}),
              prompt_in_split(prompt, {Split::validation, 7, 0.2}));
    validation += in;
  }
  EXPECT_NEAR(validation / 20000.0, 0.2, 0.015);
  int moved = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string prompt = "prompt number " + std::to_string(i);
    moved +=
        prompt_in_validation(prompt, options) != prompt_in_validation(prompt, {Split::all, 8, 0.2});
  }
  EXPECT_GT(moved, 100);  // another seed, another split
  EXPECT_FALSE(prompt_in_validation("x", {Split::all, 1, 0.0}));
  EXPECT_TRUE(prompt_in_validation("x", {Split::all, 1, 1.0}));
}

TEST(Split, ByPromptNeverByPairAndStableWhenPromptsAreAdded) {
  test::TempDir dir;
  Database db = open_project(":memory:");
  std::string lines;
  for (int i = 0; i < 300; ++i)
    lines += "{\"prompt\": \"q" + std::to_string(i) +
             "\", \"completions\": [\"a\", \"b\", \"c\"], \"ranking\": [0, 1, 2]}\n";
  import_jsonl(db, test::write_file(dir.file("a.jsonl"), lines));
  SplitOptions train{Split::train, 3, 0.3}, validation{Split::validation, 3, 0.3};
  auto prompts_of = [&](const SplitOptions& split) {
    std::set<std::string> names;
    for (const auto& prompt : load_comparisons(db, PairMode::per_labeler, split)) {
      size_t k = prompt.completions.size();  // all of a prompt's pairs go to one side
      EXPECT_EQ(prompt.pairs.size(), k * (k - 1) / 2);
      names.insert(prompt.prompt);
    }
    return names;
  };
  std::set<std::string> train_before = prompts_of(train),
                        validation_before = prompts_of(validation);
  EXPECT_EQ(train_before.size() + validation_before.size(), 300u);
  for (const auto& name : validation_before) EXPECT_EQ(train_before.count(name), 0u);
  std::string more;  // new prompts, imported before the old ones in a fresh project
  for (int i = 300; i < 400; ++i)
    more += "{\"prompt\": \"q" + std::to_string(i) +
            "\", \"completions\": [\"a\", \"b\"], \"ranking\": [1, 0]}\n";
  import_jsonl(db, test::write_file(dir.file("b.jsonl"), more));
  std::set<std::string> validation_after = prompts_of(validation);
  for (const auto& name : validation_before) EXPECT_EQ(validation_after.count(name), 1u) << name;
}

}  // namespace
}  // namespace prefstudio::db
