// Data-parallel DPO: the same config on two processes over loopback Gloo and on one process ends
// with the same weights. The batches mix K = 4 and K = 2 rankings and ties, split 2 + 1 prompts
// over the ranks, so each rank's share must be weighed by the global batch's rankings. The
// reference log-probs are computed half by each rank and written to the cache by rank 0 alone.
#include <gtest/gtest.h>

#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/dist/data_parallel_group.h"
#include "core/model/model_init.h"
#include "core/train/dpo_trainer.h"
#include "tests/core/core_test_temp_dir.h"
#include "tests/core/dist/loopback_ranks.h"
#include "tests/core/dist/mixed_rankings.h"
#include "tests/core/weight_comparison.h"

namespace prefstudio {
namespace {

struct CountingSink : MetricsSink {
  int records = 0, events = 0;
  void on_metrics(const MetricRecord&) override { ++records; }
  void on_event(int64_t, const std::string&, const std::string&) override { ++events; }
};

class DpoDataParallelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
    init_torch_threads(1);
    for (auto [name, seed] : {std::pair{"init", 7}, std::pair{"reference", 8}})
      init_model_checkpoint({{"tokenizer", "byte"}, {"n_embd", 16}, {"n_layer", 1}, {"n_head", 2},
                             {"n_positions", 16}, {"seed", seed}},
                            (dir_.path / name).string());
    test::MixedRankings rankings = test::mixed_rankings();
    data_.train = std::move(rankings.train);
    data_.validation = std::move(rankings.validation);
  }

  DpoConfig config(const std::string& out) {
    DpoConfig config;
    config.policy_dir = (dir_.path / "init").string();
    config.reference_dir = (dir_.path / "reference").string();
    config.output_dir = (dir_.path / out).string();
    config.steps = 6;
    config.batch_prompts = 3;
    config.grad_accum = 2;
    config.max_length = 16;
    config.warmup_steps = 2;
    config.log_every = 3;
    config.eval_every = 3;
    config.threads = 1;
    config.optimizer.lr = 3e-3;
    return config;
  }

  test::TempDir dir_;
  DpoData data_;
};

TEST_F(DpoDataParallelTest, TwoProcessesEndWithOneProcesssWeights) {
  CountingSink single_sink;
  InMemoryReferenceCache single_cache;
  DpoResult one = DpoTrainer(config("single"), data_, &single_cache).run(single_sink);
  ASSERT_GT(one.reference_computed, 0);

  const int port = free_loopback_port();
  pid_t child = fork_rank_one([&] {
    InMemoryReferenceCache cache;
    DpoTrainer trainer(config("rank1"), data_, &cache);
    trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 1), 60));
    CountingSink sink;
    trainer.run(sink);
    return sink.records == 0 && sink.events == 0 && cache.size() == 0;
  });
  InMemoryReferenceCache cache;
  DpoTrainer trainer(config("rank0"), data_, &cache);
  trainer.set_data_parallel(DataParallelGroup::join(loopback(port, 0), 60));
  CountingSink sink;
  DpoResult two = trainer.run(sink);
  ASSERT_EQ(exit_status_of(child), 0) << "rank 1 failed, reported or wrote its cache (see stderr)";

  EXPECT_EQ(sink.records, single_sink.records);
  EXPECT_EQ(two.reference_computed, one.reference_computed);
  EXPECT_EQ(cache.size(), single_cache.size()) << "rank 0 stores every rank's reference rows";
  EXPECT_NEAR(two.loss, one.loss, 1e-5);
  EXPECT_NEAR(two.accuracy, one.accuracy, 1e-5);
  EXPECT_NEAR(two.margin, one.margin, 1e-5);
  EXPECT_NEAR(two.eval_accuracy, one.eval_accuracy, 1e-5);
  auto compared = test::compare_weights(one.final_dir, two.final_dir, (dir_.path / "init").string());
  std::cout << "largest difference " << compared.largest_difference << ", largest move "
            << compared.largest_move << "\n";
  EXPECT_GT(compared.largest_move, 1e-3) << "the runs must have trained";
  EXPECT_LT(compared.largest_difference, 1e-5);
}

}  // namespace
}  // namespace prefstudio
