// The reward trainer's mechanics: exact resume, the offset that centres the reference completions,
// evaluations sent to the sink, the saved folder's Hugging Face layout, and clear errors for bad
// configs and empty data. (That it learns: test_reward_learns.cpp.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/model_init.h"
#include "core/train/reward_evaluation.h"
#include "core/train/reward_trainer.h"
#include "tests/core/core_test_temp_dir.h"
#include "tests/core/train/synthetic_rankings.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

struct RecordingSink : MetricsSink {
  std::vector<MetricRecord> records;
  std::vector<std::pair<std::string, std::string>> evaluations;
  std::vector<std::string> events;
  std::vector<int64_t> checkpoints;
  void on_metrics(const MetricRecord& record) override { records.push_back(record); }
  void on_checkpoint(int64_t step, const std::string&, const std::string&) override {
    checkpoints.push_back(step);
  }
  void on_event(int64_t, const std::string& kind, const std::string&) override {
    events.push_back(kind);
  }
  void on_evaluation(int64_t, const std::string& kind, const std::string& report) override {
    evaluations.emplace_back(kind, report);
  }
};

class RewardTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_torch_threads(1);
    init_model_checkpoint({{"tokenizer", "byte"},
                           {"n_embd", 16},
                           {"n_layer", 1},
                           {"n_head", 2},
                           {"n_positions", 16},
                           {"seed", 7}},
                          (dir_.path / "init").string());
    data_.train = test::synthetic_rankings(40, 0, 1, test::SyntheticTask{});
    data_.validation = test::synthetic_rankings(10, 500, 2, test::SyntheticTask{});
  }

  RewardConfig config(const std::string& out) {
    RewardConfig config;
    config.model_dir = (dir_.path / "init").string();
    config.output_dir = (dir_.path / out).string();
    config.steps = 8;
    config.batch_prompts = 4;
    config.grad_accum = 2;
    config.max_length = 16;
    config.warmup_steps = 2;
    config.log_every = 4;
    config.eval_every = 4;
    config.checkpoint_every = 4;
    config.threads = 1;
    config.center_coefficient = 0.01;
    config.optimizer.lr = 3e-3;
    return config;
  }

  test::TempDir dir_;
  RewardData data_;
};

TEST_F(RewardTrainerTest, ResumedRunEndsBitIdentical) {
  RecordingSink straight_sink;
  RewardResult straight = RewardTrainer(config("straight"), data_).run(straight_sink);
  ASSERT_EQ(straight.steps_done, 8);

  // Resume from the checkpoint the uninterrupted run wrote at step 4, as after a kill there.
  RewardConfig resumed = config("resumed");
  resumed.resume_from = (dir_.path / "straight" / "step-000004").string();
  RecordingSink resumed_sink;
  RewardResult second = RewardTrainer(resumed, data_).run(resumed_sink);
  EXPECT_EQ(second.steps_done, 8);
  EXPECT_NE(std::find(resumed_sink.events.begin(), resumed_sink.events.end(), "resumed"),
            resumed_sink.events.end());

  auto a = load_checkpoint(straight.final_dir);
  auto b = load_checkpoint(second.final_dir);
  EXPECT_EQ(a.manifest.content_hash, b.manifest.content_hash);
  EXPECT_DOUBLE_EQ(straight.reward_offset, second.reward_offset);
}

TEST_F(RewardTrainerTest, OffsetCentresTheReferenceCompletions) {
  RecordingSink sink;
  RewardResult result = RewardTrainer(config("offset"), data_).run(sink);
  RewardScorer scorer(result.final_dir);
  EXPECT_DOUBLE_EQ(scorer.reward_offset(), result.reward_offset);
  // The reference here is the training rankings themselves: their top completions average 0.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, bool>>>> tops;
  for (const auto& ranking : data_.train)
    for (const auto& completion : ranking.completions)
      if (completion.rank == 0) tops.push_back({ranking.prompt, {{completion.text, true}}});
  double sum = 0;
  for (const auto& scores : scorer.score(tops)) sum += *scores[0];
  EXPECT_NEAR(sum / double(tops.size()), 0.0, 1e-4);
}

TEST_F(RewardTrainerTest, ReportsMetricsEvaluationsAndCheckpoints) {
  RecordingSink sink;
  RewardResult result = RewardTrainer(config("metrics"), data_).run(sink);
  EXPECT_EQ(sink.checkpoints, (std::vector<int64_t>{4, 8}));
  // Evaluations at steps 0 and 4 and the final one, each with the whole calibration report.
  ASSERT_EQ(sink.evaluations.size(), 3u);
  auto report = nlohmann::json::parse(sink.evaluations.back().second);
  EXPECT_EQ(sink.evaluations.back().first, "reward_calibration");
  EXPECT_EQ(report["pairs"].get<int64_t>(), result.pairs_val);
  EXPECT_EQ(report["reliability"].size(), 10u);
  bool saw_train = false;
  for (const auto& record : sink.records)
    for (const auto& [name, value] : record.values) {
      EXPECT_TRUE(std::isfinite(value)) << name;
      saw_train = saw_train || name == "accuracy_train";
    }
  EXPECT_TRUE(saw_train);
  EXPECT_EQ(result.pairs_train, 40 * 6);
  EXPECT_TRUE(std::isfinite(result.ece_val));

  // The folder Hugging Face reads as GPT2ForSequenceClassification.
  std::ifstream in(fs::path(result.final_dir) / "config.json");
  auto config_json = nlohmann::json::parse(in);
  EXPECT_EQ(config_json["architectures"][0], "GPT2ForSequenceClassification");
  EXPECT_EQ(config_json["num_labels"], 1);
  EXPECT_EQ(config_json["pad_token_id"], kScoreHeadPadTokenId);
  auto loaded = load_checkpoint(result.final_dir);
  EXPECT_EQ(loaded.manifest.kind, "reward");
  ASSERT_TRUE(loaded.extra.count("score.weight"));
  EXPECT_EQ(loaded.extra["score.weight"].sizes(), (std::vector<int64_t>{1, 16}));
}

TEST_F(RewardTrainerTest, RefusesBadConfigsAndEmptyData) {
  RewardConfig bad = config("bad");
  bad.loss = "hinge";
  EXPECT_THROW(RewardTrainer(bad, data_), ConfigError);
  EXPECT_THROW(reward_config_from_json({{"model_dir", "m"}, {"output_dir", "o"}, {"epochs", "2"}}),
               ConfigError);
  try {
    reward_config_from_json({{"model_dir", "m"}, {"output_dir", "o"}, {"epoch", 2}});
    FAIL() << "an unknown key must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("reward.epoch"), std::string::npos) << e.what();
  }
  RewardData empty;
  RecordingSink sink;
  EXPECT_THROW(RewardTrainer(config("empty"), empty).run(sink), ConfigError);
  EXPECT_FALSE(fs::exists(dir_.path / "empty" / "final"));
  // A model folder without a head cannot score.
  EXPECT_THROW(RewardScorer((dir_.path / "init").string()), FormatError);
}

}  // namespace
}  // namespace prefstudio
