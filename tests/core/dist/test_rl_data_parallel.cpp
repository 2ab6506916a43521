// Data-parallel online RL: the same config on two processes over loopback Gloo and on one process
// ends with the same weights, for GRPO (AdamW and GaLore), RLOO and PPO (critic, whitened
// advantages, PTX and the adaptive KL controller). Rollouts of 3 prompts split 2 + 1 over the
// ranks; minibatches of 4 of their 12 rows, so a rank often holds a few rows of a minibatch and
// sometimes none. Each row's samples come from (seed, prompt, sample), never from the rank.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/dist/data_parallel_group.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/rl_trainer.h"
#include "tests/core/core_test_temp_dir.h"
#include "tests/core/dist/loopback_ranks.h"
#include "tests/core/weight_comparison.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

struct RecordingSink : MetricsSink {
  std::vector<MetricRecord> records;
  void on_metrics(const MetricRecord& record) override { records.push_back(record); }
  double last(const std::string& name) const {
    double value = std::nan("");
    for (const auto& record : records)
      for (const auto& [key, v] : record.values)
        if (key == name) value = v;
    return value;
  }
};

struct Case {
  std::string algorithm, optimizer;
};

class RlDataParallelTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
    init_torch_threads(1);
    init_model_checkpoint({{"tokenizer", "byte"},
                           {"n_embd", 16},
                           {"n_layer", 1},
                           {"n_head", 2},
                           {"n_positions", 32},
                           {"seed", 5}},
                          (dir_.path / "init").string());
    for (const auto& prompt : demo_prompts(20, 3, DemoTaskConfig{3, 5}))
      data_.train_prompts.push_back(prompt);
    for (int i = 0; i < 6; ++i)
      data_.ptx_examples.push_back({"abc" + std::to_string(i) + ":", "abc" + std::to_string(i)});
  }

  RlConfig config(const std::string& out) {
    RlConfig config;
    config.algorithm = GetParam().algorithm;
    config.policy_dir = (dir_.path / "init").string();
    config.output_dir = (dir_.path / out).string();
    config.reward_function = "demo_sort";
    config.steps = 3;
    config.rollout_prompts = 3;
    config.samples_per_prompt = 4;
    config.max_new_tokens = 8;
    config.minibatch_size = 4;
    config.ppo_epochs = 2;
    config.kl_target = 0.05;
    config.log_every = 1;
    config.eval_every = 0;
    config.threads = 1;
    config.optimizer.lr = 3e-3;
    config.optimizer.name = GetParam().optimizer;
    config.optimizer.galore.rank = 8;
    config.optimizer.galore.update_proj_gap = 2;
    if (config.algorithm == "ppo") {
      config.ptx_coefficient = 0.5;
      config.ptx_data = "the test's demonstrations";  // named in errors; the data is data_'s
      config.entropy_coefficient = 0.01;
    }
    return config;
  }

  test::TempDir dir_;
  RlData data_;
};

TEST_P(RlDataParallelTest, TwoProcessesEndWithOneProcesssWeights) {
  RecordingSink single_sink;
  const RlResult one = RlTrainer(config("single"), data_).run(single_sink);

  const int port = free_loopback_port();
  pid_t child = fork_rank_one([&] {
    RlTrainer trainer(config("rank1"), data_);
    trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 1), 60));
    RecordingSink sink;
    trainer.run(sink);
    return sink.records.empty();
  });
  RlTrainer trainer(config("rank0"), data_);
  trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 0), 60));
  RecordingSink sink;
  const RlResult two = trainer.run(sink);
  ASSERT_EQ(exit_status_of(child), 0) << "rank 1 failed or reported metrics (see its stderr)";
  EXPECT_FALSE(fs::exists(dir_.path / "rank1")) << "rank 1 must not write checkpoints";

  ASSERT_EQ(sink.records.size(), single_sink.records.size());
  // Within 1e-5, relative for metrics larger than 1: float32 sums in another order differ by a few
  // ulps, and an explained variance of -12 has ulps of 1e-6.
  auto expect_same = [&](const char* name) {
    const double expected = single_sink.last(name);
    EXPECT_NEAR(sink.last(name), expected, 1e-5 * std::max(1.0, std::abs(expected))) << name;
  };
  for (const char* name : {"objective/scores", "objective/kl", "objective/kl_coef",
                           "response/length", "loss/policy", "policy/clipfrac", "val/ratio"})
    expect_same(name);
  if (GetParam().algorithm == "ppo")
    for (const char* name : {"loss/value", "loss/ptx", "policy/entropy", "val/explained_variance"})
      expect_same(name);
  EXPECT_EQ(two.updates_skipped, one.updates_skipped);
  const fs::path policy_one = fs::path(one.final_dir) / "policy";
  const fs::path policy_two = fs::path(two.final_dir) / "policy";
  auto compared = test::compare_weights(policy_one.string(), policy_two.string(),
                                        (dir_.path / "init").string());
  std::cout << GetParam().algorithm << "/" << GetParam().optimizer << ": largest difference "
            << compared.largest_difference << ", largest move " << compared.largest_move << "\n";
  EXPECT_GT(compared.largest_move, 1e-3) << "the runs must have trained";
  EXPECT_LT(compared.largest_difference, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, RlDataParallelTest,
                         ::testing::Values(Case{"grpo", "adamw"}, Case{"grpo", "galore_adamw"},
                                           Case{"rloo", "adamw"}, Case{"ppo", "adamw"}),
                         [](const auto& info) {
                           return info.param.algorithm + "_" + info.param.optimizer;
                         });

}  // namespace
}  // namespace prefstudio
