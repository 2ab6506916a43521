// calibrate() and agreement_ceiling(): small cases computed by hand, empty input, a gap of exactly
// 0, huge gaps, and a simulated Bradley-Terry task on which the true utilities are calibrated
// (ECE near 0, accuracy by gap on the Bradley-Terry curve) and five times the utilities are not.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "core/common/core_error.h"
#include "core/train/reward_calibration.h"

namespace prefstudio {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Gaps ln 3 (p = 3/4), -ln 3 (1/4), 0 (1/2) and ln 19 (19/20): no p on a bin edge but 1/2.
std::vector<ScoredPair> four_pairs() {
  return {{std::log(3.0), 0.0, "ann"},
          {0.0, std::log(3.0), "ann"},
          {1.0, 1.0, "bob"},
          {std::log(19.0) + 2.0, 2.0, "bob"}};
}

TEST(RewardCalibration, FourPairsByHand) {
  const CalibrationReport r = calibrate(four_pairs(), 10, 2);
  EXPECT_EQ(r.pairs, 4);
  EXPECT_DOUBLE_EQ(r.accuracy, (1.0 + 0.0 + 0.5 + 1.0) / 4.0);
  EXPECT_NEAR(r.log_loss,
              (std::log(4.0 / 3.0) + std::log(4.0) + std::log(2.0) + std::log(20.0 / 19.0)) / 4.0,
              1e-15);
  // (1 - p)^2: 1/16, 9/16, 1/4, 1/400.
  EXPECT_NEAR(r.brier, (0.0625 + 0.5625 + 0.25 + 0.0025) / 4.0, 1e-15);
  // Entries (3/4, 1) (1/4, 0) | (1/4, 1) (3/4, 0) | (1/2, 1) (1/2, 0) | (19/20, 1) (1/20, 0):
  // bins 2 and 7 are off by 1/4 with 2 of 8 entries each, bins 0 and 9 by 1/20 with 1 each.
  EXPECT_NEAR(r.ece, 2 * (2.0 / 8.0 * 0.25) + 2 * (1.0 / 8.0 * 0.05), 1e-15);
  ASSERT_EQ(r.reliability.size(), 10u);
  const std::vector<int64_t> counts = {1, 0, 2, 0, 0, 2, 0, 2, 0, 1};
  for (size_t b = 0; b < 10; ++b) {
    SCOPED_TRACE(b);
    EXPECT_EQ(r.reliability[b].count, counts[b]);
    EXPECT_DOUBLE_EQ(r.reliability[b].low, b / 10.0);
    EXPECT_DOUBLE_EQ(r.reliability[b].high, (b + 1) / 10.0);
  }
  EXPECT_NEAR(r.reliability[7].mean_predicted, 0.75, 1e-15);
  EXPECT_DOUBLE_EQ(r.reliability[7].observed, 0.5);
  EXPECT_NEAR(r.reliability[2].mean_predicted, 0.25, 1e-15);
  EXPECT_DOUBLE_EQ(r.reliability[2].observed, 0.5);
  EXPECT_DOUBLE_EQ(r.reliability[5].mean_predicted, 0.5);
  EXPECT_NEAR(r.reliability[9].mean_predicted, 0.95, 1e-15);
  EXPECT_DOUBLE_EQ(r.reliability[9].observed, 1.0);
  EXPECT_DOUBLE_EQ(r.reliability[0].observed, 0.0);
  EXPECT_DOUBLE_EQ(r.reliability[3].mean_predicted, 0.0);  // empty bins read 0

  // |gap| sorted: 0 (bob), ln 3 (ann, right), ln 3 (ann, wrong), ln 19 (bob): two bins of two.
  ASSERT_EQ(r.accuracy_by_gap.size(), 2u);
  const GapBin& low = r.accuracy_by_gap[0];
  const GapBin& high = r.accuracy_by_gap[1];
  EXPECT_EQ(low.count, 2);
  EXPECT_DOUBLE_EQ(low.gap_low, 0.0);
  EXPECT_NEAR(low.gap_high, std::log(3.0), 1e-15);
  EXPECT_DOUBLE_EQ(low.accuracy, 0.75);
  EXPECT_NEAR(low.bradley_terry, std::sqrt(3.0) / (std::sqrt(3.0) + 1.0), 1e-15);
  EXPECT_EQ(high.count, 2);
  EXPECT_NEAR(high.gap_low, std::log(3.0), 1e-15);
  EXPECT_NEAR(high.gap_high, std::log(19.0), 1e-14);
  EXPECT_DOUBLE_EQ(high.accuracy, 0.5);
  EXPECT_NEAR(high.bradley_terry, std::sqrt(57.0) / (std::sqrt(57.0) + 1.0), 1e-14);

  ASSERT_EQ(r.per_labeler.size(), 2u);
  EXPECT_EQ(r.per_labeler.at("ann").pairs, 2);
  EXPECT_DOUBLE_EQ(r.per_labeler.at("ann").accuracy, 0.5);
  EXPECT_EQ(r.per_labeler.at("bob").pairs, 2);
  EXPECT_DOUBLE_EQ(r.per_labeler.at("bob").accuracy, 0.75);
}

TEST(RewardCalibration, GapBinsNeverOutnumberPairs) {
  const CalibrationReport r = calibrate(four_pairs());  // gap_bins 8 > 4 pairs
  ASSERT_EQ(r.accuracy_by_gap.size(), 4u);
  const std::vector<double> accuracy = {0.5, 1.0, 0.0, 1.0};  // stable order of equal |gap|
  for (size_t b = 0; b < 4; ++b) {
    EXPECT_EQ(r.accuracy_by_gap[b].count, 1);
    EXPECT_DOUBLE_EQ(r.accuracy_by_gap[b].accuracy, accuracy[b]);
    EXPECT_DOUBLE_EQ(r.accuracy_by_gap[b].gap_low, r.accuracy_by_gap[b].gap_high);
  }
  EXPECT_DOUBLE_EQ(r.accuracy_by_gap[0].bradley_terry, 0.5);
  // Seven pairs in three bins: 2, 2, 3 (bin b holds sorted positions [7b/3, 7(b+1)/3)).
  std::vector<ScoredPair> seven;
  for (int i = 0; i < 7; ++i) seven.push_back({double(i), 0.0, ""});
  const CalibrationReport s = calibrate(seven, 10, 3);
  ASSERT_EQ(s.accuracy_by_gap.size(), 3u);
  EXPECT_EQ(s.accuracy_by_gap[0].count, 2);
  EXPECT_EQ(s.accuracy_by_gap[1].count, 2);
  EXPECT_EQ(s.accuracy_by_gap[2].count, 3);
  EXPECT_DOUBLE_EQ(s.accuracy_by_gap[0].accuracy, 0.75);  // gaps 0 and 1
  EXPECT_DOUBLE_EQ(s.accuracy_by_gap[2].gap_low, 4.0);
  EXPECT_DOUBLE_EQ(s.accuracy_by_gap[2].gap_high, 6.0);
  EXPECT_DOUBLE_EQ(s.accuracy_by_gap[2].bradley_terry, sigmoid(5.0));
  EXPECT_EQ(s.per_labeler.at("").pairs, 7);  // consensus pairs under ""
}

TEST(RewardCalibration, EmptyInputIsAllZero) {
  const CalibrationReport r = calibrate({});
  EXPECT_EQ(r.pairs, 0);
  EXPECT_EQ(r.accuracy, 0.0);
  EXPECT_EQ(r.log_loss, 0.0);
  EXPECT_EQ(r.brier, 0.0);
  EXPECT_EQ(r.ece, 0.0);
  ASSERT_EQ(r.reliability.size(), 10u);  // the bins' ranges, each empty
  for (const auto& bin : r.reliability) {
    EXPECT_EQ(bin.count, 0);
    EXPECT_EQ(bin.mean_predicted, 0.0);
    EXPECT_EQ(bin.observed, 0.0);
  }
  EXPECT_DOUBLE_EQ(r.reliability.back().high, 1.0);
  EXPECT_TRUE(r.accuracy_by_gap.empty());
  EXPECT_TRUE(r.per_labeler.empty());
  const auto json = to_json(r);
  EXPECT_EQ(json.at("pairs"), 0);
  EXPECT_EQ(json.at("reliability").size(), 10u);
  EXPECT_TRUE(json.at("accuracy_by_gap").empty());
}

TEST(RewardCalibration, ZeroGapCountsHalf) {
  const CalibrationReport r = calibrate({{0.25, 0.25, "ann"}});
  EXPECT_DOUBLE_EQ(r.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(r.log_loss, std::log(2.0));
  EXPECT_DOUBLE_EQ(r.brier, 0.25);
  EXPECT_DOUBLE_EQ(r.ece, 0.0);  // (1/2, 1) and (1/2, 0) share bin 5: mean 1/2, observed 1/2
  EXPECT_EQ(r.reliability[5].count, 2);
  EXPECT_DOUBLE_EQ(r.reliability[5].observed, 0.5);
  ASSERT_EQ(r.accuracy_by_gap.size(), 1u);
  EXPECT_DOUBLE_EQ(r.accuracy_by_gap[0].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(r.accuracy_by_gap[0].bradley_terry, 0.5);
  EXPECT_DOUBLE_EQ(r.per_labeler.at("ann").accuracy, 0.5);
}

TEST(RewardCalibration, HugeGapsStayFinite) {
  // Right by 2e6, wrong by 1600, right by 2e300: exp(1600) would overflow a naive sigmoid.
  const CalibrationReport r =
      calibrate({{1e6, -1e6, "a"}, {-800.0, 800.0, "a"}, {1e300, -1e300, "b"}});
  for (double v : {r.accuracy, r.log_loss, r.brier, r.ece}) EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_DOUBLE_EQ(r.accuracy, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.log_loss, 1600.0 / 3.0);  // -log sigmoid(-1600) = 1600 (+ e^-1600)
  EXPECT_DOUBLE_EQ(r.brier, 1.0 / 3.0);
  // p = 1 lands in the last bin: (1, 1) (1, 1) (1, 0) there, (0, 0) (0, 0) (0, 1) in the first.
  EXPECT_EQ(r.reliability[9].count, 3);
  EXPECT_DOUBLE_EQ(r.reliability[9].mean_predicted, 1.0);
  EXPECT_DOUBLE_EQ(r.reliability[9].observed, 2.0 / 3.0);
  EXPECT_EQ(r.reliability[0].count, 3);
  EXPECT_DOUBLE_EQ(r.reliability[0].observed, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.ece, 1.0 / 3.0);
  for (const auto& bin : r.accuracy_by_gap) {
    EXPECT_TRUE(std::isfinite(bin.bradley_terry));
    EXPECT_DOUBLE_EQ(bin.bradley_terry, 1.0);
  }
  EXPECT_EQ(to_json(r).dump().find("null"), std::string::npos);
}

TEST(RewardCalibration, RefusesNonFiniteScoresAndBadBins) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(calibrate({{1.0, 0.0, "a"}, {nan, 0.0, "b"}}), CoreError);
  EXPECT_THROW(calibrate({{inf, 0.0, "a"}}), CoreError);
  EXPECT_THROW(calibrate(four_pairs(), 0, 8), CoreError);
  EXPECT_THROW(calibrate(four_pairs(), 10, 0), CoreError);
}

// `n` pairs of items with utilities ~ N(0, 1.5^2); the first is chosen with probability
// sigmoid(u_a - u_b), as the Bradley-Terry model says. Scores = utilities * `scale`.
std::vector<ScoredPair> bradley_terry_pairs(int n, double scale) {
  std::mt19937_64 rng(20240517);
  std::normal_distribution<double> utility(0.0, 1.5);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < n; ++i) {
    const double a = utility(rng), b = utility(rng);
    const bool a_wins = uniform(rng) < sigmoid(a - b);
    const double w = a_wins ? a : b, l = a_wins ? b : a;
    pairs.push_back({scale * w, scale * l, i % 2 ? "odd" : "even"});
  }
  return pairs;
}

TEST(RewardCalibration, OracleOnBradleyTerryIsCalibrated) {
  const CalibrationReport oracle = calibrate(bradley_terry_pairs(20000, 1.0));
  std::printf("oracle: accuracy %.4f log loss %.4f brier %.4f ECE %.4f\n", oracle.accuracy,
              oracle.log_loss, oracle.brier, oracle.ece);
  EXPECT_LT(oracle.ece, 0.02);
  ASSERT_EQ(oracle.accuracy_by_gap.size(), 8u);
  for (const auto& bin : oracle.accuracy_by_gap) {
    EXPECT_EQ(bin.count, 2500);
    // 2500 pairs: the sd of a bin's accuracy is <= 0.01; 0.04 leaves four of them for 8 bins.
    EXPECT_NEAR(bin.accuracy, bin.bradley_terry, 0.04)
        << "|gap| in [" << bin.gap_low << ", " << bin.gap_high << "]";
  }
  // Each pair enters as p and 1 - p: the diagram is symmetric about 1/2.
  for (size_t b = 0; b < 10; ++b) {
    EXPECT_EQ(oracle.reliability[b].count, oracle.reliability[9 - b].count);
    if (oracle.reliability[b].count > 0) {
      EXPECT_NEAR(oracle.reliability[b].observed + oracle.reliability[9 - b].observed, 1.0, 1e-12);
    }
  }
  EXPECT_EQ(oracle.per_labeler.at("odd").pairs, 10000);

  const CalibrationReport overconfident = calibrate(bradley_terry_pairs(20000, 5.0));
  std::printf("scores x 5: accuracy %.4f log loss %.4f brier %.4f ECE %.4f\n",
              overconfident.accuracy, overconfident.log_loss, overconfident.brier,
              overconfident.ece);
  EXPECT_GT(overconfident.ece, 0.1);
  EXPECT_DOUBLE_EQ(overconfident.accuracy, oracle.accuracy);  // same order, other confidence
  EXPECT_GT(overconfident.log_loss, oracle.log_loss);
  EXPECT_GT(overconfident.brier, oracle.brier);
  // Past the smallest gaps the curve promises more than the model delivers.
  for (size_t b = 2; b < overconfident.accuracy_by_gap.size(); ++b)
    EXPECT_GT(overconfident.accuracy_by_gap[b].bradley_terry,
              overconfident.accuracy_by_gap[b].accuracy + 0.02);
}

LabelerRankingRanks ranks(int64_t prompt, const std::string& labeler,
                          std::vector<std::pair<int64_t, int>> completion_ranks) {
  return {prompt, labeler, std::move(completion_ranks)};
}

TEST(AgreementCeiling, CountsOnlyPairsBothOrderedStrictly) {
  const std::vector<LabelerRankingRanks> rankings = {
      // Prompt 1: (10, 11) disagree; (10, 12) (10, 13) (11, 13) agree; (11, 12) alice ties,
      // (12, 13) bob ties.
      ranks(1, "alice", {{10, 0}, {11, 1}, {12, 1}, {13, 2}}),
      ranks(1, "bob", {{10, 1}, {11, 0}, {12, 2}, {13, 2}}),
      // Prompt 2: one labeler only.
      ranks(2, "alice", {{20, 0}, {21, 1}}),
      // Prompt 3: only 30 and 31 were ranked by both; they disagree (35 is dave's alone).
      ranks(3, "alice", {{30, 0}, {31, 1}, {32, 2}}),
      ranks(3, "dave", {{31, 0}, {35, 0}, {30, 1}}),
      // Prompt 4: the same labeler twice is not two labelers.
      ranks(4, "alice", {{40, 0}, {41, 1}}),
      ranks(4, "alice", {{40, 1}, {41, 0}}),
      // Prompt 5: two labelers who tied everything: a shared prompt with no comparison.
      ranks(5, "eve", {{50, 0}, {51, 0}}),
      ranks(5, "frank", {{50, 0}, {51, 0}}),
  };
  const AgreementCeiling c = agreement_ceiling(rankings);
  EXPECT_EQ(c.comparisons, 5);
  EXPECT_DOUBLE_EQ(c.agreement, 3.0 / 5.0);
  EXPECT_EQ(c.prompts, 3);  // 1, 3 and 5
  const auto json = to_json(c);
  EXPECT_EQ(json.at("comparisons"), 5);
  EXPECT_DOUBLE_EQ(json.at("agreement").get<double>(), 0.6);
  EXPECT_EQ(json.at("prompts"), 3);
}

TEST(AgreementCeiling, EveryTwoLabelersOfAPrompt) {
  // Three labelers, the same strict order of three: 3 labeler pairs x 3 completion pairs.
  std::vector<LabelerRankingRanks> rankings;
  for (const char* name : {"a", "b", "c"})
    rankings.push_back(ranks(7, name, {{1, 2}, {2, 0}, {3, 1}}));
  AgreementCeiling c = agreement_ceiling(rankings);
  EXPECT_EQ(c.comparisons, 9);
  EXPECT_DOUBLE_EQ(c.agreement, 1.0);
  EXPECT_EQ(c.prompts, 1);
  // A fourth who reverses everything: 3 more labeler pairs, all 9 of their comparisons disagree.
  rankings.push_back(ranks(7, "d", {{1, 0}, {2, 2}, {3, 1}}));
  c = agreement_ceiling(rankings);
  EXPECT_EQ(c.comparisons, 18);
  EXPECT_DOUBLE_EQ(c.agreement, 0.5);
}

TEST(AgreementCeiling, EmptyIsZero) {
  const AgreementCeiling c = agreement_ceiling({});
  EXPECT_EQ(c.comparisons, 0);
  EXPECT_EQ(c.agreement, 0.0);
  EXPECT_EQ(c.prompts, 0);
}

TEST(RewardCalibration, JsonHoldsEveryField) {
  const auto json = to_json(calibrate(four_pairs(), 10, 2));
  EXPECT_EQ(json.at("pairs"), 4);
  EXPECT_DOUBLE_EQ(json.at("accuracy").get<double>(), 0.625);
  for (const char* key : {"log_loss", "brier", "ece"}) EXPECT_TRUE(json.at(key).is_number());
  const auto& bin = json.at("reliability").at(7);
  EXPECT_EQ(bin.at("count"), 2);
  EXPECT_DOUBLE_EQ(bin.at("low").get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(bin.at("observed").get<double>(), 0.5);
  EXPECT_TRUE(bin.contains("high") && bin.contains("mean_predicted"));
  const auto& gap = json.at("accuracy_by_gap").at(0);
  for (const char* key : {"gap_low", "gap_high", "count", "accuracy", "bradley_terry"})
    EXPECT_TRUE(gap.contains(key)) << key;
  EXPECT_EQ(json.at("per_labeler").at("bob").at("pairs"), 2);
  EXPECT_DOUBLE_EQ(json.at("per_labeler").at("bob").at("accuracy").get<double>(), 0.75);
}

}  // namespace
}  // namespace prefstudio
