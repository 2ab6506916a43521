// load_preference_rankings: per-labeler rankings with dense ranks, finish reasons and strength;
// all-tied, skipped and old rankings left out; the labeler filter and its unknown-name error; the
// split by prompt; and the consensus, whose neighbours share a rank where the labelers' margin is
// 0.
#include <gtest/gtest.h>

#include "db/preference_data.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

// (completion id, rank, finish reason) of a ranking, by completion id.
struct Entry {
  int64_t id;
  int rank;
  std::string finish_reason;
  bool operator==(const Entry& other) const {
    return id == other.id && rank == other.rank && finish_reason == other.finish_reason;
  }
};
std::ostream& operator<<(std::ostream& out, const Entry& entry) {
  return out << "{" << entry.id << ", " << entry.rank << ", '" << entry.finish_reason << "'}";
}

std::vector<Entry> entries(const PreferenceRanking& ranking) {
  std::vector<Entry> result;
  for (const auto& completion : ranking.completions)
    result.push_back({completion.completion_id, completion.rank, completion.finish_reason});
  return result;
}

class PreferenceData : public ::testing::Test {
 protected:
  Database db_ = open_project(":memory:");
  void SetUp() override {
    // p1: a (eos), b (length), c (unknown), d (eos). ann: a > b = c > d (stored with a gap in the
    // ranks); bob: d > a > b > c; cy skipped; dee: an old ordered version, now all tied.
    // p2: x, y. bob: y > x, strength 3 (pairwise); ann: tied. p3: u, v, only dee's tie.
    db_.exec(R"sql(
      INSERT INTO prompts (id, text) VALUES (1, 'p1'), (2, 'p2'), (3, 'p3');
      INSERT INTO completions (id, prompt_id, text, finish_reason) VALUES
        (1, 1, 'a', 'eos'), (2, 1, 'b', 'length'), (3, 1, 'c', NULL), (4, 1, 'd', 'eos'),
        (5, 2, 'x', NULL), (6, 2, 'y', 'eos'), (7, 3, 'u', NULL), (8, 3, 'v', NULL);
      INSERT INTO labelers (id, name) VALUES (1, 'bob'), (2, 'ann'), (3, 'cy'), (4, 'dee');
      INSERT INTO rankings (id, prompt_id, labeler_id, version, is_current, status, strength)
        VALUES (1, 1, 2, 1, 1, 'ranked', NULL), (2, 1, 1, 1, 1, 'ranked', NULL),
               (3, 1, 3, 1, 1, 'skipped', NULL), (4, 1, 4, 1, 0, 'ranked', NULL),
               (5, 1, 4, 2, 1, 'ranked', NULL), (6, 2, 1, 1, 1, 'ranked', 3),
               (7, 2, 2, 1, 1, 'ranked', NULL), (8, 3, 4, 1, 1, 'ranked', NULL);
      INSERT INTO ranking_entries VALUES
        (1, 1, 0), (1, 2, 2), (1, 3, 2), (1, 4, 5),
        (2, 4, 0), (2, 1, 1), (2, 2, 2), (2, 3, 3),
        (4, 1, 3), (4, 2, 2), (4, 3, 1), (4, 4, 0),
        (5, 1, 0), (5, 2, 0), (5, 3, 0), (5, 4, 0),
        (6, 6, 0), (6, 5, 1), (7, 5, 0), (7, 6, 0), (8, 7, 0), (8, 8, 0);
    )sql");
  }
  std::vector<PreferenceRanking> load(PairMode mode, std::vector<std::string> labelers = {},
                                      SplitOptions split = {}) {
    PreferenceQuery query;
    query.mode = mode;
    query.split = split;
    query.labelers = std::move(labelers);
    return load_preference_rankings(db_, query);
  }
};

TEST_F(PreferenceData, PerLabelerByPromptThenLabelerName) {
  auto rankings = load(PairMode::per_labeler);
  ASSERT_EQ(rankings.size(), 3u);
  EXPECT_EQ(rankings[0].prompt_id, 1);
  EXPECT_EQ(rankings[0].prompt, "p1");
  EXPECT_EQ(rankings[0].labeler, "ann");
  EXPECT_EQ(rankings[0].ranking_id, 1);
  EXPECT_FALSE(rankings[0].strength.has_value());
  // Ranks 0, 2, 2, 5 as stored come out dense.
  EXPECT_EQ(entries(rankings[0]),
            (std::vector<Entry>{{1, 0, "eos"}, {2, 1, "length"}, {3, 1, ""}, {4, 2, "eos"}}));
  EXPECT_EQ(rankings[0].completions[1].text, "b");
  EXPECT_EQ(rankings[1].labeler, "bob");
  EXPECT_EQ(rankings[1].ranking_id, 2);
  EXPECT_EQ(entries(rankings[1]),
            (std::vector<Entry>{{1, 1, "eos"}, {2, 2, "length"}, {3, 3, ""}, {4, 0, "eos"}}));
  // p2: bob's pairwise ranking with its strength; ann's tie and all of p3 are left out.
  EXPECT_EQ(rankings[2].prompt, "p2");
  EXPECT_EQ(rankings[2].labeler, "bob");
  EXPECT_EQ(rankings[2].strength, std::optional<int>(3));
  EXPECT_EQ(entries(rankings[2]), (std::vector<Entry>{{5, 1, ""}, {6, 0, "eos"}}));
  EXPECT_EQ(rankings[2].completions[0].text, "x");
}

TEST_F(PreferenceData, LabelerFilterAndUnknownLabeler) {
  auto bobs = load(PairMode::per_labeler, {"bob"});
  ASSERT_EQ(bobs.size(), 2u);
  EXPECT_EQ(bobs[0].ranking_id, 2);
  EXPECT_EQ(bobs[1].ranking_id, 6);
  auto ann_and_dee = load(PairMode::per_labeler, {"dee", "ann"});  // dee's only tie: left out
  ASSERT_EQ(ann_and_dee.size(), 1u);
  EXPECT_EQ(ann_and_dee[0].labeler, "ann");
  EXPECT_TRUE(load(PairMode::per_labeler, {"cy"}).empty());  // skipped only
  try {
    load(PairMode::per_labeler, {"bob", "zed"});
    FAIL() << "an unknown labeler was accepted";
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("'zed'"), std::string::npos) << error.what();
  }
}

TEST_F(PreferenceData, SplitKeepsOneSideOfThePrompts) {
  SplitOptions split{Split::validation, 0, 0.5};
  while (!(prompt_in_validation("p2", split) && !prompt_in_validation("p1", split))) ++split.seed;
  auto validation = load(PairMode::per_labeler, {}, split);
  ASSERT_EQ(validation.size(), 1u);
  EXPECT_EQ(validation[0].prompt, "p2");
  split.split = Split::train;
  auto train = load(PairMode::per_labeler, {}, split);
  ASSERT_EQ(train.size(), 2u);
  EXPECT_EQ(train[0].prompt, "p1");
  EXPECT_EQ(train[1].prompt, "p1");
  auto consensus = load(PairMode::consensus, {}, split);
  ASSERT_EQ(consensus.size(), 1u);
  EXPECT_EQ(consensus[0].prompt, "p1");
}

TEST_F(PreferenceData, ConsensusOnePerPromptWithTiesOnZeroMargin) {
  auto consensus = load(PairMode::consensus);
  ASSERT_EQ(consensus.size(), 2u);  // p3: only a tie, left out
  // p1, margins (ann, bob; dee's tie abstains): a-b +2, a-c +2, b-c +1, a-d, b-d, c-d 0. Ranked
  // pairs reads a, d, b, c; d ties a (margin 0), but a-b is +2, so b opens rank 1 (the chain a-d,
  // d-b of zero margins must not flatten a > b), and b-c +1 puts c at 2.
  EXPECT_EQ(consensus[0].prompt_id, 1);
  EXPECT_EQ(consensus[0].ranking_id, 0);
  EXPECT_EQ(consensus[0].labeler, "");
  EXPECT_FALSE(consensus[0].strength.has_value());
  EXPECT_EQ(entries(consensus[0]),
            (std::vector<Entry>{{1, 0, "eos"}, {2, 1, "length"}, {3, 2, ""}, {4, 0, "eos"}}));
  EXPECT_EQ(consensus[0].completions[3].text, "d");
  // p2: bob's y > x stands against ann's tie; the consensus carries no strength.
  EXPECT_EQ(consensus[1].prompt_id, 2);
  EXPECT_FALSE(consensus[1].strength.has_value());
  EXPECT_EQ(entries(consensus[1]), (std::vector<Entry>{{5, 1, ""}, {6, 0, "eos"}}));
  // Only ann on p1: her own order, her tie kept.
  auto anns = load(PairMode::consensus, {"ann"});
  ASSERT_EQ(anns.size(), 1u);
  EXPECT_EQ(entries(anns[0]),
            (std::vector<Entry>{{1, 0, "eos"}, {2, 1, "length"}, {3, 1, ""}, {4, 2, "eos"}}));
}

// Two labelers who disagree on b-c (ann b > c, bob c > b) give margin 0 there: a tie, not the
// b > c that ranked pairs' id tie-break would otherwise invent.
TEST_F(PreferenceData, ConsensusDisagreementIsATie) {
  db_.exec(R"sql(
    INSERT INTO prompts (id, text) VALUES (4, 'p4');
    INSERT INTO completions (id, prompt_id, text) VALUES (9, 4, 'a'), (10, 4, 'b'), (11, 4, 'c');
    INSERT INTO rankings (id, prompt_id, labeler_id) VALUES (9, 4, 2), (10, 4, 1);
    INSERT INTO ranking_entries VALUES (9, 9, 0), (9, 10, 1), (9, 11, 2),
                                       (10, 9, 0), (10, 10, 2), (10, 11, 1);
  )sql");
  auto consensus = load(PairMode::consensus, {"ann", "bob"});
  ASSERT_EQ(consensus.size(), 3u);
  EXPECT_EQ(consensus[2].prompt_id, 4);
  EXPECT_EQ(entries(consensus[2]), (std::vector<Entry>{{9, 0, ""}, {10, 1, ""}, {11, 1, ""}}));
  // And two labelers who exactly cancel out (bob now c > b > a) order nothing: left out.
  db_.exec(
      "UPDATE ranking_entries SET rank = CASE completion_id WHEN 9 THEN 2 WHEN 10 THEN 1 ELSE 0 "
      "END WHERE ranking_id = 10");
  auto cancelled = load(PairMode::consensus, {"ann", "bob"});
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[1].prompt_id, 2);
}

}  // namespace
}  // namespace prefstudio::db
