// Data-parallel reward model: the same config on two processes over loopback Gloo and on one
// process ends with the same weights and the same offset. The batches mix K = 4 and K = 2 rankings
// and ties, split 2 + 1 prompts over the ranks, so each rank's share of the loss must be weighed by
// the global batch's rankings and pairs, not averaged.
#include <gtest/gtest.h>

#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/dist/data_parallel_group.h"
#include "core/model/model_init.h"
#include "core/train/reward_trainer.h"
#include "tests/core/core_test_temp_dir.h"
#include "tests/core/dist/loopback_ranks.h"
#include "tests/core/dist/mixed_rankings.h"
#include "tests/core/weight_comparison.h"

namespace prefstudio {
namespace {

struct CountingSink : MetricsSink {
  int records = 0;
  void on_metrics(const MetricRecord&) override { ++records; }
};

class RewardDataParallelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
    init_torch_threads(1);
    init_model_checkpoint({{"tokenizer", "byte"}, {"n_embd", 16}, {"n_layer", 1}, {"n_head", 2},
                           {"n_positions", 16}, {"seed", 7}},
                          (dir_.path / "init").string());
    test::MixedRankings rankings = test::mixed_rankings();
    data_.train = std::move(rankings.train);
    data_.validation = std::move(rankings.validation);
  }

  RewardConfig config(const std::string& out) {
    RewardConfig config;
    config.model_dir = (dir_.path / "init").string();
    config.output_dir = (dir_.path / out).string();
    config.steps = 6;
    config.batch_prompts = 3;
    config.grad_accum = 2;
    config.max_length = 16;
    config.warmup_steps = 2;
    config.log_every = 3;
    config.eval_every = 3;
    config.threads = 1;
    config.center_coefficient = 0.01;
    config.optimizer.lr = 3e-3;
    return config;
  }

  test::TempDir dir_;
  RewardData data_;
};

TEST_F(RewardDataParallelTest, TwoProcessesEndWithOneProcesssWeightsAndOffset) {
  CountingSink single_sink;
  RewardResult one = RewardTrainer(config("single"), data_).run(single_sink);

  const int port = free_loopback_port();
  pid_t child = fork_rank_one([&] {
    RewardTrainer trainer(config("rank1"), data_);
    trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 1), 60));
    CountingSink sink;
    trainer.run(sink);
    return sink.records == 0;
  });
  RewardTrainer trainer(config("rank0"), data_);
  trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 0), 60));
  CountingSink sink;
  RewardResult two = trainer.run(sink);
  ASSERT_EQ(exit_status_of(child), 0) << "rank 1 failed or reported metrics (see its stderr)";

  EXPECT_EQ(sink.records, single_sink.records);
  EXPECT_NEAR(two.loss_train, one.loss_train, 1e-5);
  EXPECT_NEAR(two.accuracy_train, one.accuracy_train, 1e-5);
  EXPECT_NEAR(two.loss_val, one.loss_val, 1e-5);
  EXPECT_NEAR(two.reward_offset, one.reward_offset, 1e-5);
  auto compared = test::compare_weights(one.final_dir, two.final_dir, (dir_.path / "init").string());
  std::cout << "largest difference " << compared.largest_difference << ", largest move "
            << compared.largest_move << "\n";
  EXPECT_GT(compared.largest_move, 1e-3) << "the runs must have trained";
  EXPECT_LT(compared.largest_difference, 1e-5);
}

}  // namespace
}  // namespace prefstudio
