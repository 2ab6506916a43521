// Parity of the online-RL arithmetic (rl_math.h) with the independent Python reference
// tests/golden/make_rl_golden.py, in float64: GAE, whitening over a mask, the clipped policy and
// value losses with their clip fractions and gradients, k1 and k3, the adaptive KL controller
// (single updates and a sequence), the RLOO and GRPO advantages (all-equal groups exactly 0) and
// the GRPO / Dr. GRPO and RLOO losses. Padding holds garbage in the inputs and must not matter.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/train/rl_math.h"

namespace prefstudio {
namespace {

constexpr double kTolerance = 1e-10;

const nlohmann::json& golden() {
  static const nlohmann::json json = [] {
    const std::string path = std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden/rl_golden.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
  }();
  return json;
}

// A nested JSON list of numbers as a float64 tensor (any rank).
torch::Tensor tensor(const nlohmann::json& value) {
  if (value.is_number()) return torch::tensor(value.get<double>(), torch::kDouble);
  std::vector<torch::Tensor> rows;
  for (const auto& item : value) rows.push_back(tensor(item));
  return torch::stack(rows);
}

void expect_tensor(const torch::Tensor& actual, const nlohmann::json& expected,
                   const std::string& what) {
  const torch::Tensor want = tensor(expected);
  ASSERT_EQ(actual.sizes(), want.sizes()) << what;
  const double largest = (actual.to(torch::kDouble) - want).abs().max().item<double>();
  EXPECT_LT(largest, kTolerance) << what;
}

void expect_number(const torch::Tensor& actual, const nlohmann::json& expected,
                   const std::string& what) {
  EXPECT_NEAR(actual.item<double>(), expected.get<double>(), kTolerance) << what;
}

// Each case of `section`, with its inputs and expected values.
template <typename Check>
void for_each_case(const char* section, Check check) {
  const auto& cases = golden().at(section);
  ASSERT_FALSE(cases.empty()) << section;
  for (const auto& entry : cases) {
    SCOPED_TRACE(std::string(section) + "/" + entry.at("name").get<std::string>());
    check(entry.at("inputs"), entry.at("expected"));
  }
}

TEST(RlMathGolden, GeneralizedAdvantages) {
  for_each_case("gae", [](const auto& in, const auto& want) {
    Gae gae = generalized_advantages(tensor(in["rewards"]), tensor(in["values"]),
                                     tensor(in["mask"]), in["gamma"], in["lam"]);
    expect_tensor(gae.advantages, want["advantages"], "advantages");
    expect_tensor(gae.returns, want["returns"], "returns");
  });
}

TEST(RlMathGolden, WhitenOverTheMask) {
  for_each_case("whiten", [](const auto& in, const auto& want) {
    expect_tensor(masked_whiten(tensor(in["x"]), tensor(in["mask"])), want["out"], "out");
  });
}

TEST(RlMathGolden, ClippedPolicyLoss) {
  for_each_case("policy_loss", [](const auto& in, const auto& want) {
    auto logprobs = tensor(in["logprobs"]).requires_grad_(true);
    PolicyLoss out = clipped_policy_loss(logprobs, tensor(in["old_logprobs"]),
                                         tensor(in["advantages"]), tensor(in["mask"]),
                                         in["clip_range"]);
    out.loss.backward();
    expect_number(out.loss, want["loss"], "loss");
    expect_number(out.clipfrac, want["clipfrac"], "clipfrac");
    expect_number(out.approxkl, want["approxkl"], "approxkl");
    expect_tensor(logprobs.grad(), want["grad_logprobs"], "grad_logprobs");
  });
}

TEST(RlMathGolden, ClippedValueLoss) {
  for_each_case("value_loss", [](const auto& in, const auto& want) {
    auto values = tensor(in["values"]).requires_grad_(true);
    ValueLoss out = clipped_value_loss(values, tensor(in["old_values"]), tensor(in["returns"]),
                                       tensor(in["mask"]), in["clip_range_value"]);
    out.loss.backward();
    expect_number(out.loss, want["loss"], "loss");
    expect_number(out.clipfrac, want["clipfrac"], "clipfrac");
    expect_tensor(values.grad(), want["grad_values"], "grad_values");
  });
}

TEST(RlMathGolden, KlEstimators) {
  for_each_case("kl", [](const auto& in, const auto& want) {
    auto logprobs = tensor(in["logprobs"]).requires_grad_(true);
    const auto ref = tensor(in["ref_logprobs"]), mask = tensor(in["mask"]);
    const auto k1 = kl_k1(logprobs, ref, mask), k3 = kl_k3(logprobs, ref, mask);
    k3.sum().backward();
    expect_tensor(k1, want["k1"], "k1");
    expect_tensor(k3, want["k3"], "k3");
    expect_tensor(k1.sum(1), want["k1_sum"], "k1_sum");
    expect_tensor(k3.sum(1), want["k3_sum"], "k3_sum");
    expect_tensor(logprobs.grad(), want["grad_logprobs"], "grad_logprobs");
  });
}

TEST(RlMathGolden, AdaptiveKlController) {
  for_each_case("adaptive_kl", [](const auto& in, const auto& want) {
    AdaptiveKlController controller(in["coef"], in["target"], in["horizon"]);
    if (in.contains("updates")) {
      const auto coefs = want["coefs"].template get<std::vector<double>>();
      ASSERT_EQ(coefs.size(), in["updates"].size());
      for (size_t i = 0; i < coefs.size(); ++i) {
        controller.update(in["updates"][i][0], in["updates"][i][1]);
        EXPECT_NEAR(controller.value(), coefs[i], kTolerance) << "update " << i;
      }
    } else {
      controller.update(in["kl"], in["n"]);
      EXPECT_NEAR(controller.value(), want["new_coef"].template get<double>(), kTolerance);
    }
  });
}

TEST(RlMathGolden, RlooAndGrpoAdvantages) {
  for_each_case("rloo_advantages", [](const auto& in, const auto& want) {
    expect_tensor(rloo_advantages(tensor(in["rewards"])), want["advantages"], "advantages");
  });
  for_each_case("grpo_advantages", [](const auto& in, const auto& want) {
    expect_tensor(grpo_advantages(tensor(in["scores"]), true), want["grpo"], "grpo");
    expect_tensor(grpo_advantages(tensor(in["scores"]), false), want["dr_grpo"], "dr_grpo");
  });
}

TEST(RlMathGolden, GrpoAndRlooLosses) {
  for_each_case("grpo_loss", [](const auto& in, const auto& want) {
    auto logprobs = tensor(in["logprobs"]).requires_grad_(true);
    const auto kind = in["kind"] == "grpo" ? GrpoLossKind::grpo : GrpoLossKind::dr_grpo;
    auto loss = grpo_loss(logprobs, tensor(in["old_logprobs"]), tensor(in["ref_logprobs"]),
                          tensor(in["advantages"]), tensor(in["mask"]), in["clip_range"],
                          in["beta"], kind, in["max_new_tokens"]);
    loss.backward();
    expect_number(loss, want["loss"], "loss");
    expect_tensor(logprobs.grad(), want["grad_logprobs"], "grad_logprobs");
  });
  for_each_case("rloo_loss", [](const auto& in, const auto& want) {
    auto logprobs = tensor(in["logprobs"]).requires_grad_(true);
    const auto advantages = tensor(in["advantages"]).unsqueeze(1).expand_as(logprobs);
    PolicyLoss out = clipped_policy_loss(logprobs, tensor(in["old_logprobs"]), advantages,
                                         tensor(in["mask"]), in["clip_range"]);
    out.loss.backward();
    expect_number(out.loss, want["loss"], "loss");
    expect_tensor(logprobs.grad(), want["grad_logprobs"], "grad_logprobs");
  });
}

}  // namespace
}  // namespace prefstudio
