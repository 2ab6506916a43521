// Labeler agreement, Kendall's tau-b, ranked-pairs consensus and the bias checks, against figures
// computed by hand (the working is in the comments). The database cases use :memory: projects
// filled with direct SQL on the schema.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "db/labeler_agreement.h"
#include "db/project_stats.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

TEST(PairAgreement, CountsOnlyPairsBothOrderedStrictly) {
  RankMap a{{1, 0}, {2, 1}, {3, 2}, {4, 3}};  // 1 > 2 > 3 > 4
  RankMap b{{1, 1}, {2, 0}, {3, 2}, {4, 2}};  // 2 > 1 > 3 = 4
  // (1,2) disagree; (1,3) (1,4) (2,3) (2,4) agree; (3,4) tied in b: dropped.
  PairAgreement result = pair_agreement(a, b);
  EXPECT_EQ(result.compared, 5);
  EXPECT_EQ(result.agreeing, 4);
  EXPECT_DOUBLE_EQ(result.rate(), 0.8);
}

TEST(PairAgreement, IgnoresCompletionsOnlyOneRanked) {
  RankMap a{{1, 0}, {2, 1}, {9, 2}};
  RankMap b{{1, 0}, {2, 1}, {8, 0}};
  PairAgreement result = pair_agreement(a, b);
  EXPECT_EQ(result.compared, 1);
  EXPECT_EQ(result.agreeing, 1);
}

TEST(KendallTauB, MatchesHandComputation) {
  RankMap a{{1, 0}, {2, 1}, {3, 2}, {4, 3}};
  RankMap b{{1, 1}, {2, 0}, {3, 2}, {4, 2}};
  // n0 = 6, ties in a 0, ties in b 1, C = 4, D = 1: (4 - 1) / sqrt(6 * 5).
  EXPECT_NEAR(kendall_tau_b(a, b), 3.0 / std::sqrt(30.0), 1e-12);
  EXPECT_NEAR(kendall_tau_b(a, a), 1.0, 1e-12);
  RankMap reversed{{1, 3}, {2, 2}, {3, 1}, {4, 0}};
  EXPECT_NEAR(kendall_tau_b(a, reversed), -1.0, 1e-12);
}

TEST(KendallTauB, TiesOnBothSides) {
  RankMap a{{1, 0}, {2, 0}, {3, 1}};  // 1 = 2 > 3
  RankMap b{{1, 0}, {2, 1}, {3, 1}};  // 1 > 2 = 3
  // n0 = 3, one tie each, C = 1 (the pair 1,3), D = 0: 1 / sqrt(2 * 2) = 0.5.
  EXPECT_NEAR(kendall_tau_b(a, b), 0.5, 1e-12);
}

TEST(KendallTauB, UndefinedWhenEverythingTies) {
  RankMap a{{1, 0}, {2, 1}};
  RankMap all_tied{{1, 0}, {2, 0}};
  EXPECT_TRUE(std::isnan(kendall_tau_b(a, all_tied)));
  EXPECT_TRUE(std::isnan(kendall_tau_b(a, RankMap{{7, 0}})));
}

// Orders of three completions, best first, as RankMaps.
RankMap order(int64_t first, int64_t second, int64_t third) {
  return RankMap{{first, 0}, {second, 1}, {third, 2}};
}

TEST(RankedPairs, BreaksACondorcetCycleAtItsWeakestLink) {
  // 3 x A>B>C, 2 x B>C>A, 2 x C>A>B. Margins: A>B 3, B>C 3, C>A 1: a cycle. Tideman locks A>B and
  // B>C and skips C>A, the weakest, so the consensus is A, B, C.
  for (auto [a, b, c] : {std::tuple{10, 20, 30}, std::tuple{30, 20, 10}}) {
    std::vector<RankMap> orders;
    for (int i = 0; i < 3; ++i) orders.push_back(order(a, b, c));
    for (int i = 0; i < 2; ++i) orders.push_back(order(b, c, a));
    for (int i = 0; i < 2; ++i) orders.push_back(order(c, a, b));
    EXPECT_EQ(ranked_pairs(orders), (std::vector<int64_t>{a, b, c}));
  }
}

TEST(RankedPairs, EqualMarginCycleFollowsTheDocumentedTieBreak) {
  // The classic paradox: every margin is 1. Equal margins lock the smaller winner id first:
  // 1>2, then 2>3; 3>1 would close the cycle and is skipped.
  std::vector<RankMap> orders{order(1, 2, 3), order(2, 3, 1), order(3, 1, 2)};
  EXPECT_EQ(ranked_pairs(orders), (std::vector<int64_t>{1, 2, 3}));
}

TEST(RankedPairs, ZeroMarginsFallBackToNetMarginThenId) {
  std::vector<RankMap> split{RankMap{{5, 0}, {6, 1}}, RankMap{{5, 1}, {6, 0}}};
  EXPECT_EQ(ranked_pairs(split), (std::vector<int64_t>{5, 6}));
  // One order with a tie: 3 first, then 1 and 2 tied (net -1 each) in id order.
  EXPECT_EQ(ranked_pairs({RankMap{{1, 1}, {2, 1}, {3, 0}}}), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_TRUE(ranked_pairs({}).empty());
}

TEST(Biases, PositionCountsEarlierShownWins) {
  RankMap ranks{{1, 0}, {2, 1}, {3, 2}, {4, 2}};  // 1 > 2 > 3 = 4
  // Shown 3, 1, 2, 4: (3,1) lose, (3,2) lose, (3,4) tie, (1,2) win, (1,4) win, (2,4) win.
  PairAgreement result = position_wins(ranks, {3, 1, 2, 4});
  EXPECT_EQ(result.compared, 5);
  EXPECT_EQ(result.agreeing, 3);
}

TEST(Biases, LengthCountsLongerWinsAndSkipsEqualLengths) {
  RankMap ranks{{1, 0}, {2, 1}, {3, 2}};
  std::map<int64_t, int64_t> length{{1, 10}, {2, 20}, {3, 20}};
  // (1,2): the shorter wins; (1,3): the shorter wins; (2,3): equal lengths, skipped.
  PairAgreement result = length_wins(ranks, length);
  EXPECT_EQ(result.compared, 2);
  EXPECT_EQ(result.agreeing, 0);
  RankMap reversed{{1, 2}, {2, 1}, {3, 0}};
  EXPECT_EQ(length_wins(reversed, length).agreeing, 2);
}

// A project: P1 with completions 1..4 (lengths 5, 10, 10, 20), P2 with 5..7 (lengths 3, 6, 9).
// alice: P1 1>2>3>4 (shown 4,3,2,1), P2 5>6>7 (no card order: import order).
// bob:   P1 2>1>3=4, P2 skipped.
// carol: P1 1>2>4>3 (current), an older version 4>3>2>1 that must not count.
class AgreementDb : public ::testing::Test {
 protected:
  void SetUp() override {
    migrate(db_);
    db_.exec(R"sql(
      INSERT INTO labelers (id, name) VALUES (1, 'alice'), (2, 'bob'), (3, 'carol');
      INSERT INTO prompts (id, text) VALUES (1, 'P1'), (2, 'P2');
      INSERT INTO completions (id, prompt_id, text) VALUES
        (1, 1, 'aaaaa'), (2, 1, 'bbbbbbbbbb'), (3, 1, 'cccccccccc'), (4, 1, 'dddddddddddddddddddd'),
        (5, 2, 'eee'), (6, 2, 'ffffff'), (7, 2, 'ggggggggg');
      INSERT INTO rankings (id, prompt_id, labeler_id, version, is_current, status) VALUES
        (1, 1, 1, 1, 1, 'ranked'), (2, 2, 1, 1, 1, 'ranked'),
        (3, 1, 2, 1, 1, 'ranked'), (4, 2, 2, 1, 1, 'skipped'),
        (5, 1, 3, 1, 0, 'ranked'), (6, 1, 3, 2, 1, 'ranked');
      INSERT INTO ranking_entries (ranking_id, completion_id, rank) VALUES
        (1, 1, 0), (1, 2, 1), (1, 3, 2), (1, 4, 3),
        (2, 5, 0), (2, 6, 1), (2, 7, 2),
        (3, 1, 1), (3, 2, 0), (3, 3, 2), (3, 4, 2),
        (5, 4, 0), (5, 3, 1), (5, 2, 2), (5, 1, 3),
        (6, 1, 0), (6, 2, 1), (6, 4, 2), (6, 3, 3);
      INSERT INTO card_orders (prompt_id, labeler_id, order_json) VALUES (1, 1, '[4, 3, 2, 1]');
    )sql");
  }
  Database db_{":memory:"};
};

TEST_F(AgreementDb, MatrixMatchesHandComputation) {
  AgreementReport report = compute_agreement(db_);
  ASSERT_EQ(report.labelers.size(), 3u);
  EXPECT_EQ(report.labelers[0].name, "alice");
  EXPECT_EQ(report.prompts_ranked, 2);
  EXPECT_EQ(report.prompts_shared, 1);
  EXPECT_EQ(report.labelers[0].rankings, 2);
  EXPECT_EQ(report.labelers[1].rankings, 1);  // the skip carries no order
  EXPECT_EQ(report.labelers[2].rankings, 1);  // only the current version

  const auto& ab = report.matrix[0][1];
  EXPECT_EQ(ab.shared_prompts, 1);
  EXPECT_EQ(ab.pairs.compared, 5);
  EXPECT_EQ(ab.pairs.agreeing, 4);
  EXPECT_NEAR(ab.tau_b_mean, 3.0 / std::sqrt(30.0), 1e-12);
  const auto& ac = report.matrix[0][2];  // 1>2>3>4 vs 1>2>4>3: 5 of 6, tau (5 - 1) / 6
  EXPECT_EQ(ac.pairs.compared, 6);
  EXPECT_EQ(ac.pairs.agreeing, 5);
  EXPECT_NEAR(ac.tau_b_mean, 4.0 / 6.0, 1e-12);
  const auto& bc = report.matrix[2][1];
  EXPECT_EQ(bc.pairs.compared, 5);
  EXPECT_EQ(bc.pairs.agreeing, 4);
  EXPECT_EQ(report.matrix[1][2].pairs.agreeing, 4);  // symmetric
  EXPECT_EQ(report.matrix[0][0].shared_prompts, 0);
  EXPECT_EQ(report.overall.compared, 16);
  EXPECT_EQ(report.overall.agreeing, 13);
}

TEST_F(AgreementDb, ConsensusAndPerLabelerChecks) {
  // Margins on P1: 1>2 by 1; 1 and 2 over 3 and 4 by 3; 3 vs 4: 0, so net margin (-6 each) then
  // the smaller id puts 3 before 4.
  EXPECT_EQ(consensus_ranking(db_, 1), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(consensus_ranking(db_, 2), (std::vector<int64_t>{5, 6, 7}));
  EXPECT_TRUE(consensus_ranking(db_, 99).empty());
  auto all = consensus_rankings(db_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at(1), (std::vector<int64_t>{1, 2, 3, 4}));

  AgreementReport report = compute_agreement(db_);
  const auto& alice = report.labelers[0];
  const auto& bob = report.labelers[1];
  const auto& carol = report.labelers[2];
  EXPECT_EQ(alice.with_consensus.compared, 6);  // consensus is only taken on shared prompts
  EXPECT_EQ(alice.with_consensus.agreeing, 6);
  EXPECT_EQ(bob.with_consensus.compared, 5);
  EXPECT_EQ(bob.with_consensus.agreeing, 4);
  EXPECT_EQ(carol.with_consensus.agreeing, 5);
  // alice saw P1 as 4,3,2,1 and ranked 1 first: the earlier-shown lost all 6 pairs; on P2 (import
  // order 5,6,7, ranked 5>6>7) it won all 3.
  EXPECT_EQ(alice.position.compared, 9);
  EXPECT_EQ(alice.position.agreeing, 3);
  // bob, import order 1,2,3,4, ranked 2>1>3=4: (1,2) lost, four won, (3,4) tied.
  EXPECT_EQ(bob.position.compared, 5);
  EXPECT_EQ(bob.position.agreeing, 4);
  // alice always preferred the shorter: P1 has 5 pairs of unequal length, P2 3.
  EXPECT_EQ(alice.length.compared, 8);
  EXPECT_EQ(alice.length.agreeing, 0);
}

TEST_F(AgreementDb, OverallAgreementMatchesTheStatsCommand) {
  // `prefstudio-cli stats` counts agreement with its own code (pair_builder); both must agree.
  AgreementReport report = compute_agreement(db_);
  nlohmann::json stats = project_stats(db_);
  EXPECT_EQ(report.overall.compared, stats["agreement"]["pairs_compared"].get<int64_t>());
  EXPECT_EQ(report.overall.agreeing, stats["agreement"]["pairs_agreed"].get<int64_t>());
}

TEST_F(AgreementDb, ReportsProgressAndStopsWhenAsked) {
  std::vector<std::pair<int64_t, int64_t>> calls;
  compute_agreement(db_, [&](int64_t done, int64_t total) {
    calls.emplace_back(done, total);
    return true;
  });
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), (std::pair<int64_t, int64_t>{2, 2}));
  EXPECT_THROW(compute_agreement(db_, [](int64_t, int64_t) { return false; }), AgreementCancelled);
}

TEST_F(AgreementDb, BadCardOrderNamesPromptAndLabeler) {
  db_.exec("UPDATE card_orders SET order_json = '{\"not\": \"a list\"}'");
  try {
    compute_agreement(db_);
    FAIL() << "expected DbError";
  } catch (const DbError& e) {
    EXPECT_NE(std::string(e.what()).find("prompt 1, labeler 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace prefstudio::db
