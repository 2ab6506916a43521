// Resume: a run stopped at a checkpoint and resumed from it (weights, optimizer state, step, batch
// position) ends with exactly the weights of an uninterrupted run, for AdamW and for GaLore, whose
// projectors and moments travel in the checkpoint's optimizer.pt.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/sft_trainer.h"
#include "tests/core/weight_comparison.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

struct NullSink : MetricsSink {
  void on_metrics(const MetricRecord&) override {}
  std::vector<std::string> events;
  void on_event(int64_t, const std::string& kind, const std::string&) override {
    events.push_back(kind);
  }
};

class SftResumeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    init_torch_threads(1);
    dir_ = fs::temp_directory_path() / ("sft_resume_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    init_model_checkpoint({{"tokenizer", "byte"},
                           {"n_embd", 32},
                           {"n_layer", 2},
                           {"n_head", 4},
                           {"n_positions", 32},
                           {"seed", 3}},
                          (dir_ / "init").string());
    examples_ = demo_examples(300, 1, {}, DemoTaskConfig{3, 5});
  }
  void TearDown() override { fs::remove_all(dir_); }

  SftConfig config(const std::string& out) {
    SftConfig config;
    config.model_dir = (dir_ / "init").string();
    config.output_dir = (dir_ / out).string();
    config.steps = 8;
    config.batch_size = 8;
    config.grad_accum = 2;
    config.max_length = 32;
    config.warmup_steps = 2;
    config.log_every = 4;
    config.eval_every = 0;
    config.checkpoint_every = 4;
    config.validation_fraction = 0.0;
    config.threads = 1;
    config.optimizer.lr = 3e-3;
    config.optimizer.name = GetParam();
    config.optimizer.galore.rank = 8;
    config.optimizer.galore.update_proj_gap = 3;  // a refresh before and after the resume point
    return config;
  }

  fs::path dir_;
  std::vector<SftExample> examples_;
};

TEST_P(SftResumeTest, ResumedRunEqualsUninterruptedRun) {
  NullSink sink;
  SftTrainer straight(config("straight"), examples_);
  auto straight_result = straight.run(sink);

  SftConfig resumed_config = config("resumed");
  resumed_config.resume_from = (dir_ / "straight" / "step-000004").string();
  NullSink resumed_sink;
  SftTrainer resumed(resumed_config, examples_);
  auto resumed_result = resumed.run(resumed_sink);
  EXPECT_EQ(resumed_sink.events.front(), "resumed");
  EXPECT_EQ(resumed_result.steps_done, 8);

  auto a = load_checkpoint(straight_result.final_dir);
  auto b = load_checkpoint(resumed_result.final_dir);
  auto compared = test::compare_weights(straight_result.final_dir, resumed_result.final_dir,
                                        (dir_ / "init").string());
  std::cout << GetParam() << ": largest difference " << compared.largest_difference
            << ", largest move " << compared.largest_move << "\n";
  EXPECT_GT(compared.largest_move, 1e-3) << "the runs must have trained";
  EXPECT_LT(compared.largest_difference, 1e-6);
  EXPECT_EQ(a.manifest.content_hash, b.manifest.content_hash);
}

// The memory meter and the refresh marks: GaLore's state is smaller than AdamW's would be, and
// every refresh (steps 1, 4, 7 with gap 3) reaches the sink as an event.
TEST_P(SftResumeTest, ReportsOptimizerMemoryAndRefreshes) {
  struct Sink : MetricsSink {
    std::map<std::string, double> last;
    std::vector<int64_t> refreshes;
    void on_metrics(const MetricRecord& record) override {
      for (const auto& [name, value] : record.values) last[name] = value;
    }
    void on_event(int64_t step, const std::string& kind, const std::string&) override {
      if (kind == "projector_refresh") refreshes.push_back(step);
    }
  } sink;
  SftTrainer trainer(config("report"), examples_);
  trainer.run(sink);
  const double state = sink.last.at("optimizer_state_bytes");
  const double adamw = sink.last.at("optimizer_state_bytes_adamw");
  EXPECT_GT(state, 0);
  if (GetParam() == "adamw") {
    EXPECT_EQ(state, adamw);
    EXPECT_TRUE(sink.refreshes.empty());
  } else {
    EXPECT_LT(state, adamw);
    EXPECT_EQ(sink.refreshes, (std::vector<int64_t>{1, 4, 7}));
  }
}

INSTANTIATE_TEST_SUITE_P(Optimizers, SftResumeTest, ::testing::Values("adamw", "galore_adamw"));

}  // namespace
}  // namespace prefstudio
