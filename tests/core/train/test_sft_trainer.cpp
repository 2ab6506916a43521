// SFT learns: a ~0.1M-parameter byte-level GPT trained for a few hundred steps on the demo task
// (sorting 3-6 letters) goes from garbage to mostly correct greedy answers on held-out prompts, its
// loss falls, checkpoints are written and load, and metrics, checkpoints and a stop reach the sink.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/sft_trainer.h"
#include "core/train/text_generator.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

class RecordingSink : public MetricsSink {
 public:
  void on_metrics(const MetricRecord& record) override {
    for (const auto& [name, value] : record.values) series[name].push_back({record.step, value});
  }
  void on_checkpoint(int64_t step, const std::string& dir, const std::string& hash) override {
    checkpoints.push_back({step, dir});
    EXPECT_EQ(hash.size(), 64u);
  }
  void on_event(int64_t step, const std::string& kind, const std::string& message) override {
    events.push_back(kind + ": " + message);
  }
  std::map<std::string, std::vector<std::pair<int64_t, double>>> series;
  std::vector<std::pair<int64_t, std::string>> checkpoints;
  std::vector<std::string> events;
};

class SftTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sft_trainer_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    init_model_checkpoint({{"tokenizer", "byte"},
                           {"n_embd", 64},
                           {"n_layer", 2},
                           {"n_head", 4},
                           {"n_positions", 32},
                           {"seed", 1}},
                          (dir_ / "init").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  SftConfig config(int64_t steps) {
    SftConfig config;
    config.model_dir = (dir_ / "init").string();
    config.output_dir = (dir_ / "sft").string();
    config.steps = steps;
    config.batch_size = 32;
    config.max_length = 32;
    config.warmup_steps = 30;
    config.log_every = 20;
    config.eval_every = 100;
    config.checkpoint_every = 200;
    config.validation_fraction = 0.05;
    config.threads = 1;  // 2 OpenMP threads on 2 busy cores spin against each other
    config.optimizer.lr = 3e-3;
    return config;
  }

  static double mean_greedy_score(const std::string& model_dir,
                                  const std::vector<std::string>& prompts) {
    TextGenerator generator(model_dir);
    GenerationConfig greedy;
    greedy.temperature = 0.0;
    greedy.max_new_tokens = 10;
    auto completions = generator.complete(prompts, 1, greedy, 0);
    double total = 0;
    for (size_t i = 0; i < prompts.size(); ++i) total += demo_score(prompts[i], completions[i][0].text);
    return total / double(prompts.size());
  }

  fs::path dir_;
  DemoTaskConfig task_{3, 6};
};

TEST_F(SftTrainerTest, LearnsToSortLetters) {
  init_torch_threads(1);
  auto held_out = demo_prompts(64, 99, task_);
  auto examples = demo_examples(4000, 1, held_out, task_);
  const double before = mean_greedy_score((dir_ / "init").string(), held_out);

  RecordingSink sink;
  SftTrainer trainer(config(600), examples);
  SftResult result = trainer.run(sink);
  const double after = mean_greedy_score(result.final_dir, held_out);
  std::cout << "demo score before " << before << " after " << after << " in " << result.seconds
            << " s; loss " << sink.series["loss_train"].front().second << " -> "
            << result.loss_train << "\n";

  // Learning: the score rises from garbage to mostly right, and the losses fall.
  EXPECT_LT(before, 0.2);
  EXPECT_GT(after, 0.6);
  const auto& loss_train = sink.series["loss_train"];
  ASSERT_EQ(loss_train.size(), 30u);  // every 20 of 600 steps
  EXPECT_LT(loss_train.back().second, 0.25 * loss_train.front().second);
  const auto& loss_val = sink.series["loss_val"];
  ASSERT_EQ(loss_val.size(), 7u);  // steps 0, 100, ..., 500 and the final one
  EXPECT_EQ(loss_val.front().first, 0);
  EXPECT_LT(loss_val.back().second, 0.25 * loss_val.front().second);
  for (const char* name : {"lr", "grad_norm", "tokens_per_s"}) {
    ASSERT_EQ(sink.series[name].size(), 30u) << name;
    EXPECT_GT(sink.series[name].back().second, 0.0) << name;
  }
  // The learning rate peaks after warm-up and decays to a tenth.
  EXPECT_NEAR(sink.series["lr"].back().second, 3e-4, 1e-5);

  // Checkpoints at 200, 400 and the final one at 600; each loads and says where it came from.
  ASSERT_EQ(sink.checkpoints.size(), 3u);
  EXPECT_EQ(sink.checkpoints[0].first, 200);
  EXPECT_EQ(sink.checkpoints[2].second, result.final_dir);
  for (const auto& [step, dir] : sink.checkpoints) {
    LoadedModel loaded = load_checkpoint(dir);
    EXPECT_EQ(loaded.manifest.step, step);
    EXPECT_EQ(loaded.tokenizer->kind(), "byte");
  }
  EXPECT_EQ(result.steps_done, 600);
  EXPECT_FALSE(result.stopped);
  EXPECT_EQ(result.examples_val, 200);
}

TEST_F(SftTrainerTest, StopRequestEndsAfterOneStepWithAFinalCheckpoint) {
  RecordingSink sink;
  auto examples = demo_examples(100, 1, {}, task_);
  SftTrainer trainer(config(1000), examples);
  trainer.request_stop();
  SftResult result = trainer.run(sink);
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.steps_done, 1);
  ASSERT_EQ(sink.checkpoints.size(), 1u);
  EXPECT_TRUE(fs::exists(fs::path(result.final_dir) / "model.safetensors"));
  ASSERT_FALSE(sink.events.empty());
  EXPECT_NE(sink.events.back().find("stopped at step 1"), std::string::npos);
}

TEST_F(SftTrainerTest, TimeLimitEndsTheRunWithAFinalCheckpoint) {
  RecordingSink sink;
  auto examples = demo_examples(100, 1, {}, task_);
  auto limited = config(1000000);
  limited.max_seconds = 0.5;
  SftTrainer trainer(limited, examples);
  SftResult result = trainer.run(sink);
  EXPECT_TRUE(result.time_limited);
  EXPECT_FALSE(result.stopped);
  EXPECT_LT(result.steps_done, 1000000);
  EXPECT_LT(result.seconds, 30.0);
  ASSERT_EQ(sink.checkpoints.size(), 1u);
  EXPECT_EQ(sink.checkpoints[0].first, result.steps_done);
  EXPECT_NE(sink.events.back().find("time limit"), std::string::npos);
}

TEST_F(SftTrainerTest, RefusesAnEmptyDataSet) {
  RecordingSink sink;
  SftTrainer trainer(config(10), {});
  EXPECT_THROW(trainer.run(sink), ConfigError);
}

}  // namespace
}  // namespace prefstudio
