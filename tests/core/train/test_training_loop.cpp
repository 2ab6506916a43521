// The shared loop's own rules with a minimal client (one parameter, a quadratic loss): metric means
// over micro-batches, the checkpoint schedule, a NaN that stops the run naming step and metric
// without writing from the broken weights, and the stop flag.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "core/common/core_error.h"
#include "core/train/training_loop.h"
#include "tests/core/core_test_temp_dir.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

// Minimises (w - 3)^2; the micro-batch counter is the "data"; nan_at makes step n's loss NaN.
struct QuadraticClient : LoopClient {
  torch::Tensor w = torch::zeros({1}, torch::requires_grad());
  int64_t micro_batches = 0, nan_at_micro = -1;
  std::vector<std::string> saved;
  NamedParameters parameters() override { return {{"w", w}}; }
  MicroBatchStats forward_backward(double loss_scale) override {
    auto loss = (w - 3.0).pow(2).sum();
    if (micro_batches++ == nan_at_micro) loss = loss * std::numeric_limits<double>::quiet_NaN();
    (loss * loss_scale).backward();
    return {{{"loss_train", loss.detach()}, {"micro", torch::full({}, double(micro_batches))}}, 4};
  }
  void skip_micro_batches(int64_t count) override { micro_batches += count; }
  std::string save_model(const std::string& dir, int64_t step) override {
    fs::create_directories(dir);
    // The loop hands the client a staging folder (".NAME.partial") it then renames into place.
    std::string name = fs::path(dir).filename().string();
    saved.push_back(name.substr(1, name.size() - 1 - std::string(".partial").size()));
    return "hash" + std::to_string(step);
  }
};

struct Records : MetricsSink {
  std::vector<MetricRecord> records;
  void on_metrics(const MetricRecord& record) override { records.push_back(record); }
};

LoopConfig loop_config(const std::string& out) {
  LoopConfig config;
  config.steps = 6;
  config.grad_accum = 2;
  config.warmup_steps = 0;
  config.log_every = 3;
  config.eval_every = 0;
  config.checkpoint_every = 2;
  config.output_dir = out;
  config.optimizer.lr = 0.1;
  return config;
}

TEST(TrainingLoop, AveragesMicroBatchesAndCheckpointsOnSchedule) {
  test::TempDir dir;
  QuadraticClient client;
  Records sink;
  std::atomic<bool> stop{false};
  LoopResult result =
      run_training_loop(client, loop_config(dir.str()), 0, torch::kCPU, sink, stop);
  EXPECT_EQ(result.steps_done, 6);
  EXPECT_EQ(client.saved, (std::vector<std::string>{"step-000002", "step-000004", "final"}));
  ASSERT_EQ(sink.records.size(), 2u);  // steps 3 and 6
  // Micro-batch counters 1..6 over the first three steps: their mean is 3.5.
  EXPECT_DOUBLE_EQ(metric_value(sink.records[0].values, "micro"), 3.5);
  EXPECT_LT(metric_value(sink.records[1].values, "loss_train"),
            metric_value(sink.records[0].values, "loss_train"));
  EXPECT_EQ(result.final_hash, "hash6");
}

TEST(TrainingLoop, NanStopsTheRunNamingStepAndMetric) {
  test::TempDir dir;
  QuadraticClient client;
  client.nan_at_micro = 7;  // inside step 4
  Records sink;
  std::atomic<bool> stop{false};
  LoopConfig config = loop_config(dir.str());
  config.log_every = 1;
  try {
    run_training_loop(client, config, 0, torch::kCPU, sink, stop);
    FAIL() << "a NaN loss must stop the run";
  } catch (const CoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("loss_train"), std::string::npos) << message;
    EXPECT_NE(message.find("step 4"), std::string::npos) << message;
  }
  // The checkpoint of step 2 stands; nothing was written from the broken weights.
  EXPECT_EQ(client.saved, (std::vector<std::string>{"step-000002"}));
}

TEST(TrainingLoop, StopFlagEndsAfterTheStepWithAFinalCheckpoint) {
  test::TempDir dir;
  QuadraticClient client;
  Records sink;
  std::atomic<bool> stop{true};
  LoopResult result = run_training_loop(client, loop_config(dir.str()), 0, torch::kCPU, sink, stop);
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.steps_done, 1);
  EXPECT_EQ(client.saved, (std::vector<std::string>{"final"}));
}

}  // namespace
}  // namespace prefstudio
