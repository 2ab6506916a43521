// The RLOO / GRPO trainer's contract on a tiny byte-level model with the demo's rule: with policy
// equal to reference the first rollout's KL is exactly 0 and GRPO's first update (ratio 1, each
// group's advantages summing to 0) has loss 0; a run resumed from a rollout-boundary checkpoint ends
// bit-identical to an uninterrupted one; a bad config names its field.
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/rl_trainer.h"
#include "tests/core/core_test_temp_dir.h"

namespace prefstudio {
namespace {

struct RecordingSink : MetricsSink {
  std::vector<MetricRecord> records;
  void on_metrics(const MetricRecord& record) override { records.push_back(record); }
  double first(const std::string& name) const {
    for (const auto& record : records)
      for (const auto& [key, value] : record.values)
        if (key == name) return value;
    return std::nan("");
  }
};

class RlTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_torch_threads(1);
    init_model_checkpoint({{"tokenizer", "byte"},
                           {"n_embd", 32},
                           {"n_layer", 2},
                           {"n_head", 4},
                           {"n_positions", 32},
                           {"seed", 5}},
                          (dir_.path / "init").string());
    for (const auto& prompt : demo_prompts(20, 3, DemoTaskConfig{3, 5}))
      data_.train_prompts.push_back(prompt);
  }

  RlConfig config(const std::string& algorithm, const std::string& out) {
    RlConfig config;
    config.algorithm = algorithm;
    config.policy_dir = (dir_.path / "init").string();
    config.output_dir = (dir_.path / out).string();
    config.reward_function = "demo_sort";
    config.steps = 4;
    config.rollout_prompts = 2;
    config.samples_per_prompt = 4;
    config.max_new_tokens = 8;
    config.minibatch_size = 8;
    config.eval_every = 0;
    config.threads = 1;
    config.optimizer.lr = 1e-3;
    return config;
  }

  test::TempDir dir_;
  RlData data_;
};

TEST_F(RlTrainerTest, FirstRolloutHasZeroKlAndGrpoFirstLossZero) {
  RecordingSink sink;
  RlTrainer(config("grpo", "first"), data_).run(sink);
  EXPECT_EQ(sink.first("objective/kl"), 0.0);
  EXPECT_NEAR(sink.first("loss/policy"), 0.0, 1e-6);
  EXPECT_EQ(sink.first("val/ratio"), 1.0);
  EXPECT_EQ(sink.first("policy/clipfrac"), 0.0);
}

TEST_F(RlTrainerTest, ResumedRunEndsBitIdenticalToAnUninterruptedRun) {
  for (const char* algorithm : {"grpo", "rloo"}) {
    SCOPED_TRACE(algorithm);
    RlConfig straight = config(algorithm, std::string("straight-") + algorithm);
    straight.checkpoint_every = 2;  // rollouts
    RecordingSink sink;
    const RlResult uninterrupted = RlTrainer(straight, data_).run(sink);
    EXPECT_EQ(uninterrupted.rollouts_done, 4);
    EXPECT_NE(uninterrupted.final_hash,
              load_checkpoint((dir_.path / "init").string()).manifest.content_hash)
        << "the run must have moved the weights";

    RlConfig resumed = config(algorithm, std::string("resumed-") + algorithm);
    resumed.resume_from = (dir_.path / (std::string("straight-") + algorithm) / "step-000002").string();
    RecordingSink resumed_sink;
    const RlResult again = RlTrainer(resumed, data_).run(resumed_sink);
    EXPECT_EQ(again.updates_done, uninterrupted.updates_done);
    EXPECT_EQ(again.final_hash, uninterrupted.final_hash);
    EXPECT_EQ(load_checkpoint(again.final_dir).manifest.kind, "policy");
  }
}

TEST_F(RlTrainerTest, ConfigErrorsNameTheField) {
  auto message = [](const nlohmann::json& json, const std::string& algorithm) -> std::string {
    try {
      rl_config_from_json(json, algorithm);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  const nlohmann::json base{
      {"policy_dir", "p"}, {"output_dir", "o"}, {"reward", {{"function", "demo_sort"}}}};
  EXPECT_EQ(message(base, "grpo"), "");
  EXPECT_EQ(rl_config_from_json(base, "grpo").kl_estimator, "k3");
  EXPECT_EQ(rl_config_from_json(base, "rloo").kl_coefficient, 0.05);
  nlohmann::json json = base;
  json["samples_per_prompt"] = 1;
  EXPECT_NE(message(json, "rloo").find("rloo.samples_per_prompt"), std::string::npos);
  json = base;
  json["reward"] = {{"model", "rm"}, {"function", "demo_sort"}};
  EXPECT_NE(message(json, "grpo").find("grpo.reward: give exactly one"), std::string::npos);
  json = base;
  json["reward"] = {{"functoin", "demo_sort"}};
  EXPECT_NE(message(json, "grpo").find("grpo.reward.functoin: unknown key"), std::string::npos);
  json = base;
  json["grpo_loss"] = "drgrpo";
  EXPECT_NE(message(json, "grpo").find("grpo.grpo_loss"), std::string::npos);
}

}  // namespace
}  // namespace prefstudio
