// Data-parallel SFT: the same config on two processes over loopback Gloo and on one process ends
// with the same weights (up to the order of floating-point sums), with AdamW and with GaLore,
// whose projectors then come from the summed gradient on both ranks. Only rank 0 writes. A killed
// rank ends the run, and two processes resume from the last checkpoint exactly.
#include <gtest/gtest.h>

#include <csignal>
#include <chrono>
#include <filesystem>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/dist/data_parallel_group.h"
#include "core/model/checkpoint.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/sft_trainer.h"
#include "tests/core/weight_comparison.h"
#include "tests/core/dist/loopback_ranks.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

struct CountingSink : MetricsSink {
  int records = 0;
  void on_metrics(const MetricRecord&) override { ++records; }
};

class SftDataParallelTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
    init_torch_threads(1);
    dir_ = fs::temp_directory_path() / ("sft_dp_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    init_model_checkpoint({{"tokenizer", "byte"}, {"n_embd", 32}, {"n_layer", 2}, {"n_head", 4},
                           {"n_positions", 32}, {"seed", 3}},
                          (dir_ / "init").string());
    examples_ = demo_examples(300, 1, {}, DemoTaskConfig{3, 5});
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Batches of 7 rows split 4 + 3 over two ranks, and rows of unequal length: each rank's share
  // of the loss must be weighed by the global token count, not averaged.
  SftConfig config(const std::string& out) {
    SftConfig config;
    config.model_dir = (dir_ / "init").string();
    config.output_dir = (dir_ / out).string();
    config.steps = 6;
    config.batch_size = 7;
    config.grad_accum = 2;
    config.max_length = 32;
    config.warmup_steps = 2;
    config.log_every = 3;
    config.eval_every = 3;
    config.validation_fraction = 0.1;
    config.threads = 1;
    config.optimizer.lr = 3e-3;
    config.optimizer.name = GetParam();
    config.optimizer.galore.rank = 8;
    config.optimizer.galore.update_proj_gap = 2;
    return config;
  }

  fs::path dir_;
  std::vector<SftExample> examples_;
};

TEST_P(SftDataParallelTest, TwoProcessesEndWithOneProcesssWeights) {
  CountingSink single_sink;
  SftTrainer single(config("single"), examples_);
  SftResult one = single.run(single_sink);

  const int port = free_loopback_port();
  pid_t child = fork_rank_one([&] {
    SftTrainer trainer(config("rank1"), examples_);
    trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 1), 60));
    CountingSink sink;
    trainer.run(sink);
    return sink.records == 0;  // rank 1 writes nothing
  });
  SftTrainer trainer(config("rank0"), examples_);
  trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 0), 60));
  CountingSink sink;
  SftResult two = trainer.run(sink);
  ASSERT_EQ(exit_status_of(child), 0) << "rank 1 failed or reported metrics (see its stderr)";

  EXPECT_FALSE(fs::exists(dir_ / "rank1")) << "rank 1 must not write checkpoints";
  EXPECT_EQ(sink.records, single_sink.records);
  EXPECT_NEAR(two.loss_train, one.loss_train, 1e-5);
  EXPECT_NEAR(two.loss_val, one.loss_val, 1e-5);
  auto compared = test::compare_weights(one.final_dir, two.final_dir, (dir_ / "init").string());
  std::cout << GetParam() << ": largest difference " << compared.largest_difference
            << ", largest move " << compared.largest_move << "\n";
  EXPECT_GT(compared.largest_move, 1e-3) << "the runs must have trained";
  EXPECT_LT(compared.largest_difference, 1e-5);
}

TEST_P(SftDataParallelTest, AGlobalBatchSmallerThanTheGroupIsRefused) {
  const int port = free_loopback_port();
  SftConfig small = config("small");
  small.batch_size = 1;
  pid_t child = fork_rank_one([&] {
    SftTrainer trainer(small, examples_);
    trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 1), 10));
    CountingSink sink;
    try {
      trainer.run(sink);
    } catch (const ConfigError&) {
      return true;
    }
    return false;
  });
  SftTrainer trainer(small, examples_);
  trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 0), 10));
  CountingSink sink;
  try {
    trainer.run(sink);
    ADD_FAILURE() << "a global batch of 1 over 2 ranks must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sft.batch_size (1)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(exit_status_of(child), 0);
}

// Killing rank 1 ends rank 0's run within the timeout with an error naming the collective, the
// checkpoint written before stays whole, and two processes resumed from it end where an
// uninterrupted two-process run does. Rank 1 is given a checkpoint path that does not exist on
// its disk: it resumes from the copy rank 0 sends (weights, AdamW moments, GaLore projectors).
TEST_P(SftDataParallelTest, AKilledRankEndsTheRunAndTwoProcessesResumeExactly) {
  auto long_config = [&](const std::string& out) {
    SftConfig c = config(out);
    c.steps = 8;
    c.checkpoint_every = 2;
    return c;
  };
  // Two processes from `rank0` and `rank1`'s configs; rank 0 reports to `sink`.
  auto run_two = [&](const SftConfig& rank0, const SftConfig& rank1, MetricsSink& sink,
                     pid_t* child_out = nullptr) {
    const int port = free_loopback_port();
    pid_t child = fork_rank_one([&] {
      SftTrainer trainer(rank1, examples_);
      trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 1), 10));
      CountingSink quiet;
      trainer.run(quiet);
      return true;
    });
    if (child_out) *child_out = child;
    SftTrainer trainer(rank0, examples_);
    trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 0), 10));
    SftResult result = trainer.run(sink);
    EXPECT_EQ(exit_status_of(child), 0) << "rank 1 failed (see its stderr)";
    return result;
  };
  CountingSink straight_sink;
  const SftResult straight = run_two(long_config("straight"), long_config("straight"), straight_sink);

  // Rank 0's sink kills rank 1 as soon as the step-4 checkpoint is written.
  struct KillingSink : CountingSink {
    pid_t victim = 0;
    void on_checkpoint(int64_t step, const std::string&, const std::string&) override {
      if (step == 4) kill(victim, SIGKILL);
    }
  } killing;
  const int port = free_loopback_port();
  pid_t child = fork_rank_one([&] {
    SftTrainer trainer(long_config("killed"), examples_);
    trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 1), 10));
    CountingSink quiet;
    trainer.run(quiet);
    return true;
  });
  killing.victim = child;
  SftTrainer trainer(long_config("killed"), examples_);
  trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 0), 5));
  const auto started = std::chrono::steady_clock::now();
  try {
    trainer.run(killing);
    ADD_FAILURE() << "rank 0 must not finish without rank 1";
  } catch (const CoreError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0"), std::string::npos) << e.what();
    std::cout << "rank 0 after rank 1 was killed: " << e.what() << "\n";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(exit_status_of(child), 128 + SIGKILL);
  const fs::path checkpoint = dir_ / "killed" / "step-000004";
  ASSERT_NO_THROW(load_checkpoint(checkpoint.string())) << "the last checkpoint must stay whole";

  SftConfig resumed0 = long_config("resumed"), resumed1 = long_config("resumed");
  resumed0.resume_from = checkpoint.string();
  resumed1.resume_from = (dir_ / "not-on-this-host" / "step-000004").string();
  CountingSink resumed_sink;
  const SftResult resumed = run_two(resumed0, resumed1, resumed_sink);
  EXPECT_EQ(resumed.steps_done, straight.steps_done);
  auto compared =
      test::compare_weights(straight.final_dir, resumed.final_dir, (dir_ / "init").string());
  std::cout << GetParam() << " resumed: largest difference " << compared.largest_difference
            << ", largest move " << compared.largest_move << "\n";
  EXPECT_GT(compared.largest_move, 1e-3);
  EXPECT_LT(compared.largest_difference, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, SftDataParallelTest, ::testing::Values("adamw", "galore_adamw"));

}  // namespace
}  // namespace prefstudio
