// Parity of reward_ranking_loss with the independent Python reference
// tests/golden/make_reward_loss_golden.py: loss, d loss / d scores, accuracy, mean gap and the
// counts on hand-made batches (K = 4 with a tie and two labelers on shared rows, a margin, pairwise
// and Plackett-Luce with its fallback, centering, a strict K = 9, an all-tied ranking mixed in).
// Run in float64 (within 1e-6) and in float32, as the trainer runs it (within 1e-5).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/train/reward_loss.h"

namespace prefstudio {
namespace {

nlohmann::json golden_cases() {
  const std::string path =
      std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden/reward_loss_golden.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in).at("cases");
}

std::vector<RankingGroup> groups_of(const nlohmann::json& json) {
  std::vector<RankingGroup> groups;
  for (const auto& g : json) {
    RankingGroup group;
    group.rows = g.at("rows").get<std::vector<int64_t>>();
    group.ranks = g.at("ranks").get<std::vector<int>>();
    group.margin = g.at("margin").get<double>();
    groups.push_back(std::move(group));
  }
  return groups;
}

// Runs every case with scores of `dtype`; returns the largest difference seen over all of them.
double check_all_cases(torch::ScalarType dtype, double tolerance) {
  const auto cases = golden_cases();
  EXPECT_EQ(cases.size(), 8u);
  double largest_overall = 0.0;
  for (const auto& entry : cases) {
    const std::string name = entry.at("name");
    SCOPED_TRACE(name);
    const auto& expected = entry.at("expected");
    RewardLossOptions options;
    options.kind = parse_reward_loss_kind(entry.at("options").at("kind"), "options.kind");
    options.center_coefficient = entry.at("options").at("center_coefficient").get<double>();
    const auto values = entry.at("scores").get<std::vector<double>>();
    torch::Tensor scores =
        torch::tensor(values, torch::kDouble).to(dtype).requires_grad_(true);  // (N)
    const RewardLossOutput out =
        reward_ranking_loss(scores, groups_of(entry.at("groups")), options);
    out.loss.backward();
    if (!scores.grad().defined()) {
      ADD_FAILURE() << name << ": no gradient reached the scores";
      continue;
    }
    const auto grad_expected = expected.at("grad").get<std::vector<double>>();
    const torch::Tensor grad_reference = torch::tensor(grad_expected, torch::kDouble);  // (N)

    const double loss_diff = std::abs(out.loss.item<double>() - expected.at("loss").get<double>());
    const double grad_diff =
        (scores.grad().to(torch::kDouble) - grad_reference).abs().max().item<double>();
    const double accuracy_diff =
        std::abs(out.accuracy.item<double>() - expected.at("accuracy").get<double>());
    const double gap_diff =
        std::abs(out.mean_gap.item<double>() - expected.at("mean_gap").get<double>());
    const double largest = std::max({loss_diff, grad_diff, accuracy_diff, gap_diff});
    largest_overall = std::max(largest_overall, largest);
    EXPECT_LE(largest, tolerance) << name << ": largest difference " << largest << " (loss "
                                  << loss_diff << ", grad " << grad_diff << ", accuracy "
                                  << accuracy_diff << ", mean_gap " << gap_diff << ")";
    EXPECT_EQ(out.loss.dim(), 0);
    EXPECT_EQ(scores.grad().scalar_type(), dtype);
    EXPECT_EQ(out.pairs, expected.at("pairs").get<int64_t>());
    EXPECT_EQ(out.rankings, expected.at("rankings").get<int64_t>());
    EXPECT_EQ(out.pl_fallbacks, expected.at("pl_fallbacks").get<int64_t>());
  }
  return largest_overall;
}

TEST(RewardLossGolden, MatchesPythonReferenceInFloat64) {
  torch::set_num_threads(1);
  const double largest = check_all_cases(torch::kDouble, 1e-6);
  std::printf("float64: largest difference over all cases %.3g (tolerance 1e-6)\n", largest);
}

TEST(RewardLossGolden, MatchesPythonReferenceInFloat32) {
  torch::set_num_threads(1);
  const double largest = check_all_cases(torch::kFloat, 1e-5);
  std::printf("float32: largest difference over all cases %.3g (tolerance 1e-5)\n", largest);
}

TEST(RewardLossGolden, RefusesBatchesWithoutPairsAndRowsOutOfRange) {
  const torch::Tensor scores = torch::zeros({3}, torch::kFloat).requires_grad_(true);  // (N)
  const RewardLossOptions options;
  EXPECT_THROW(reward_ranking_loss(scores, {{{0, 1, 2}, {0, 0, 0}, 0.0}}, options), CoreError);
  EXPECT_THROW(reward_ranking_loss(scores, {}, options), CoreError);
  EXPECT_THROW(reward_ranking_loss(scores, {{{0, 3}, {0, 1}, 0.0}}, options), CoreError);
  EXPECT_THROW(parse_reward_loss_kind("listwise", "reward.loss"), ConfigError);
}

}  // namespace
}  // namespace prefstudio
