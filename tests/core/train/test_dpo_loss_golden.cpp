// Parity of dpo_loss with the independent Python reference tests/golden/make_dpo_loss_golden.py:
// every loss of the family, its gradient with respect to the four summed log-probs, and the
// TRL-named metrics, on hand-made pairs with token counts and unequal ranking weights (including
// policy = reference, hinge pairs past the hinge, |beta h| up to 120 and RPO's NLL term). Run in
// float64 (within 1e-9) and in float32, as the trainer runs it (within 1e-4 relative).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/train/dpo_loss.h"

namespace prefstudio {
namespace {

nlohmann::json golden_cases() {
  const std::string path = std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden/dpo_loss_golden.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in).at("cases");
}

torch::Tensor column(const nlohmann::json& pairs, const char* name, torch::ScalarType dtype) {
  return torch::tensor(pairs.at(name).get<std::vector<double>>(), torch::kDouble).to(dtype);
}

void expect_close(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), tolerance * std::max(1.0, std::abs(expected)))
      << what << ": " << actual << " vs " << expected;
}

void check_all_cases(torch::ScalarType dtype, double tolerance) {
  const auto cases = golden_cases();
  ASSERT_GE(cases.size(), 16u);
  for (const auto& entry : cases) {
    const std::string name = entry.at("name");
    SCOPED_TRACE(name);
    DpoLossOptions options;
    options.kind = parse_dpo_loss_kind(entry.at("loss"), "loss");
    options.beta = entry.at("beta");
    options.label_smoothing = entry.at("label_smoothing");
    options.gamma = entry.at("gamma");
    options.nll_coefficient = entry.at("nll_coefficient");
    const auto& pairs = entry.at("pairs");
    DpoPairBatch batch;
    batch.policy_chosen = column(pairs, "policy_chosen", dtype).requires_grad_(true);
    batch.policy_rejected = column(pairs, "policy_rejected", dtype).requires_grad_(true);
    batch.reference_chosen = column(pairs, "reference_chosen", dtype).requires_grad_(true);
    batch.reference_rejected = column(pairs, "reference_rejected", dtype).requires_grad_(true);
    batch.chosen_tokens = column(pairs, "chosen_tokens", dtype);
    batch.rejected_tokens = column(pairs, "rejected_tokens", dtype);
    batch.weights = column(pairs, "weight", dtype);
    const DpoLossOutput out = dpo_loss(batch, options);
    out.loss.backward();

    const auto& expected = entry.at("expected");
    expect_close(out.loss.item<double>(), expected.at("loss"), tolerance, "loss");
    const std::pair<const char*, const torch::Tensor*> metrics[] = {
        {"rewards_chosen", &out.rewards_chosen}, {"rewards_rejected", &out.rewards_rejected},
        {"margins", &out.margins},               {"accuracies", &out.accuracies},
        {"logps_chosen", &out.logps_chosen},     {"logps_rejected", &out.logps_rejected},
        {"nll", &out.nll}};
    for (const auto& [key, value] : metrics)
      expect_close(value->item<double>(), expected.at(key), tolerance, key);
    const std::pair<const char*, const torch::Tensor*> inputs[] = {
        {"grad_policy_chosen", &batch.policy_chosen},
        {"grad_policy_rejected", &batch.policy_rejected},
        {"grad_reference_chosen", &batch.reference_chosen},
        {"grad_reference_rejected", &batch.reference_rejected}};
    for (const auto& [key, input] : inputs) {
      const auto want = expected.at(key).get<std::vector<double>>();
      // simpo never reads the reference: no gradient reaches it (undefined = all zero).
      const torch::Tensor grad = input->grad().defined()
                                     ? input->grad().to(torch::kDouble)
                                     : torch::zeros({int64_t(want.size())}, torch::kDouble);
      ASSERT_EQ(grad.numel(), static_cast<int64_t>(want.size())) << key;
      for (size_t i = 0; i < want.size(); ++i)
        expect_close(grad[i].item<double>(), want[i], tolerance, key + std::string("[") +
                                                                     std::to_string(i) + "]");
    }
  }
}

TEST(DpoLossGolden, MatchesThePythonReferenceInFloat64) { check_all_cases(torch::kDouble, 1e-9); }

TEST(DpoLossGolden, MatchesThePythonReferenceInFloat32) { check_all_cases(torch::kFloat, 1e-4); }

TEST(DpoLossGolden, PolicyEqualToReferenceGivesLn2AndZeroRewards) {
  DpoPairBatch batch;
  batch.policy_chosen = torch::tensor({-12.5, -40.0}, torch::kDouble);
  batch.policy_rejected = torch::tensor({-9.0, -33.25}, torch::kDouble);
  batch.reference_chosen = batch.policy_chosen.clone();
  batch.reference_rejected = batch.policy_rejected.clone();
  batch.chosen_tokens = torch::tensor({5.0, 17.0}, torch::kDouble);
  batch.rejected_tokens = torch::tensor({4.0, 12.0}, torch::kDouble);
  batch.weights = torch::tensor({0.5, 0.5}, torch::kDouble);
  const DpoLossOutput out = dpo_loss(batch, DpoLossOptions{});
  EXPECT_EQ(out.loss.item<double>(), std::log(2.0));
  EXPECT_EQ(out.rewards_chosen.item<double>(), 0.0);
  EXPECT_EQ(out.margins.item<double>(), 0.0);
  EXPECT_EQ(out.accuracies.item<double>(), 0.0);  // a tie is not a win, as in TRL
}

TEST(DpoLossGolden, RefusesAnUnknownLossNamingTheField) {
  try {
    parse_dpo_loss_kind("kto", "dpo.loss");
    FAIL() << "expected a ConfigError";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("dpo.loss: 'kto' is not one of sigmoid, ipo"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace prefstudio
