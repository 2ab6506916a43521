// The shared policy evaluation: a policy against itself has KL exactly 0; against another model
// the sampled sequence KL estimates the true KL (checked exactly on one-token completions, where
// KL(pi || ref) of the first token is computable); rule scores appear only for prompts that have
// one; the reward model's score comes with its offset applied.
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/model_init.h"
#include "core/train/policy_evaluation.h"
#include "tests/core/core_test_temp_dir.h"

namespace prefstudio {
namespace {

class PolicyEvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_torch_threads(1);
    for (int seed : {1, 2})
      init_model_checkpoint({{"tokenizer", "byte"},
                             {"n_embd", 16},
                             {"n_layer", 1},
                             {"n_head", 2},
                             {"n_positions", 32},
                             {"seed", seed}},
                            (dir_.path / ("m" + std::to_string(seed))).string());
  }
  std::string model(int seed) { return (dir_.path / ("m" + std::to_string(seed))).string(); }
  test::TempDir dir_;
};

TEST_F(PolicyEvaluationTest, SelfKlIsZeroAndRuleScoresFollowThePrompts) {
  PolicyEvaluator evaluator(model(1), model(1));
  PolicyEvalConfig config;
  config.samples_per_prompt = 3;
  config.max_new_tokens = 6;
  auto eval = evaluator.evaluate({"Sort: cba\n", "hello"}, config);
  ASSERT_EQ(eval.samples, 6);
  for (const auto& sample : eval.sample_list) {
    EXPECT_EQ(sample.kl, 0.0);
    EXPECT_EQ(sample.true_score.has_value(), sample.prompt_index == 0);
    EXPECT_FALSE(sample.reward.has_value());
  }
  EXPECT_TRUE(std::isnan(eval.reward_mean));
  EXPECT_FALSE(std::isnan(eval.true_score_mean));
  // The same seed gives the same samples.
  auto again = evaluator.evaluate({"Sort: cba\n", "hello"}, config);
  for (size_t i = 0; i < again.sample_list.size(); ++i)
    EXPECT_EQ(again.sample_list[i].completion, eval.sample_list[i].completion);
}

TEST_F(PolicyEvaluationTest, SampledKlEstimatesTheExactKl) {
  // One-token completions: each sample's KL is log pi(t) - log ref(t) of its first token t, whose
  // expectation is KL(pi || ref) over the first-token distribution.
  const std::string prompt = "Sort: dcba\n";
  auto policy = load_checkpoint(model(1)), reference = load_checkpoint(model(2));
  auto ids = policy.tokenizer->encode(prompt);
  auto idx = torch::tensor(ids, torch::kLong).unsqueeze(0);                              // (1, P)
  auto log_p = torch::log_softmax(policy.model->forward(idx)[0][-1], -1);                // (V)
  auto log_q = torch::log_softmax(reference.model->forward(idx)[0][-1], -1);             // (V)
  const double exact = (log_p.exp() * (log_p - log_q)).sum().item<double>();
  const double spread = std::sqrt((log_p.exp() * (log_p - log_q - exact).pow(2)).sum().item<double>());

  PolicyEvaluator evaluator(model(1), model(2));
  PolicyEvalConfig config;
  config.samples_per_prompt = 2000;
  config.max_new_tokens = 1;
  config.batch_size = 500;
  auto eval = evaluator.evaluate({prompt}, config);
  std::cout << "exact KL " << exact << " nats, sampled " << eval.kl_mean << " over " << eval.samples
            << " samples\n";
  EXPECT_GT(exact, 0.0);
  EXPECT_NEAR(eval.kl_mean, exact, 4.0 * spread / std::sqrt(2000.0));
}

}  // namespace
}  // namespace prefstudio
