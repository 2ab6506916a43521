// The DPO trainer's contract on a tiny byte-level model: the first loss with policy = reference is
// ln 2 with zero rewards; one step's logged loss equals the formula on log-probs computed apart (by
// score_completion); the reference cache is used on a second run without loading the reference,
// and a changed reference model or sequence rule never reads a stale entry; a resumed run ends
// bit-identical to an uninterrupted one; chosen rewards falling while margins rise are warned of,
// once; a bad config names its field.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/completion_scorer.h"
#include "core/model/model_init.h"
#include "core/train/dpo_trainer.h"
#include "tests/core/core_test_temp_dir.h"
#include "tests/core/train/synthetic_policy.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

struct RecordingSink : MetricsSink {
  std::vector<MetricRecord> records;
  std::vector<std::pair<std::string, std::string>> events;
  void on_metrics(const MetricRecord& record) override { records.push_back(record); }
  void on_event(int64_t, const std::string& kind, const std::string& message) override {
    events.emplace_back(kind, message);
  }
  double first(const std::string& name) const {
    for (const auto& record : records)
      for (const auto& [key, value] : record.values)
        if (key == name) return value;
    return std::nan("");
  }
};

class DpoTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_torch_threads(1);
    for (auto [name, seed] : {std::pair{"init", 5}, std::pair{"other", 6}})
      init_model_checkpoint({{"tokenizer", "byte"},
                             {"n_embd", 32},
                             {"n_layer", 2},
                             {"n_head", 4},
                             {"n_positions", 16},
                             {"seed", seed}},
                            (dir_.path / name).string());
  }

  DpoConfig config(const std::string& out) {
    DpoConfig config;
    config.policy_dir = (dir_.path / "init").string();
    config.output_dir = (dir_.path / out).string();
    config.steps = 6;
    config.batch_prompts = 4;
    config.max_length = 16;
    config.warmup_steps = 0;
    config.log_every = 1;
    config.eval_every = 0;
    config.threads = 1;
    config.optimizer.lr = 1e-3;
    return config;
  }

  DpoData data(int prompts) {
    DpoData data;
    data.train = test::synthetic_rankings(prompts, 0, 3, test::SyntheticTask{});
    return data;
  }

  test::TempDir dir_;
};

TEST_F(DpoTrainerTest, FirstLossIsLn2WithZeroRewardsWhenPolicyIsReference) {
  RecordingSink sink;
  DpoTrainer(config("first"), data(8)).run(sink);
  // Policy and reference are the same weights; only the batch shapes differ (float32 sums).
  EXPECT_NEAR(sink.first("loss"), std::log(2.0), 1e-6);
  EXPECT_NEAR(sink.first("rewards/chosen"), 0.0, 1e-6);
  EXPECT_NEAR(sink.first("rewards/rejected"), 0.0, 1e-6);
  EXPECT_NEAR(sink.first("rewards/margins"), 0.0, 1e-6);
  EXPECT_LT(sink.records.back().values.front().second, std::log(2.0)) << "the loss must fall";
}

TEST_F(DpoTrainerTest, OneStepLossEqualsTheFormulaOnLogprobsComputedApart) {
  // One prompt, K = 2, a reference that differs from the policy.
  RankingExample ranking;
  ranking.prompt = "P001:";
  ranking.labeler = "a";
  ranking.completions = {{0, "aeabcd", true, 0}, {0, "bcdfgh", false, 1}};
  DpoData one;
  one.train = {ranking};
  DpoConfig cfg = config("one");
  cfg.reference_dir = (dir_.path / "other").string();
  cfg.steps = 1;
  cfg.beta = 0.5;
  RecordingSink sink;
  DpoTrainer(cfg, one).run(sink);

  auto logprob = [&](const std::string& model, const RankedCompletion& c) {
    return score_completion((dir_.path / model).string(), ranking.prompt, c.text, "cpu", c.ended)
        .logprob;
  };
  const auto& w = ranking.completions[0];
  const auto& l = ranking.completions[1];
  const double h = (logprob("init", w) - logprob("other", w)) - (logprob("init", l) - logprob("other", l));
  const double expected = std::log1p(std::exp(-0.5 * h));  // -log sigmoid(beta h)
  EXPECT_NEAR(sink.first("loss"), expected, 1e-5) << "h = " << h;
  EXPECT_NEAR(sink.first("rewards/margins"), 0.5 * h, 1e-5);
}

TEST_F(DpoTrainerTest, SecondRunReadsTheCacheWithoutLoadingTheReference) {
  InMemoryReferenceCache cache;
  DpoConfig first = config("cache1");
  first.reference_dir = (dir_.path / "other").string();
  RecordingSink sink1;
  DpoResult one = DpoTrainer(first, data(6), &cache).run(sink1);
  EXPECT_EQ(one.reference_cached, 0);
  EXPECT_EQ(one.reference_computed, 24);  // 6 prompts x K = 4
  EXPECT_EQ(cache.size(), 24u);

  // The same reference, its config.json broken: loading it would throw, the cache must suffice.
  fs::create_directories(dir_.path / "broken");
  fs::copy_file(dir_.path / "other" / "model.safetensors", dir_.path / "broken" / "model.safetensors");
  DpoConfig second = config("cache2");
  second.reference_dir = (dir_.path / "broken").string();
  RecordingSink sink2;
  DpoResult two = DpoTrainer(second, data(6), &cache).run(sink2);
  EXPECT_EQ(two.reference_cached, 24);
  EXPECT_EQ(two.reference_computed, 0);
  EXPECT_NEAR(sink2.first("loss"), sink1.first("loss"), 1e-12) << "the cached values are the values";
  EXPECT_THROW(load_checkpoint(second.reference_dir), FormatError);

  // Another reference model: nothing stale is read.
  DpoConfig third = config("cache3");
  RecordingSink sink3;
  DpoResult three = DpoTrainer(third, data(6), &cache).run(sink3);  // reference = init
  EXPECT_EQ(three.reference_cached, 0);
  EXPECT_EQ(three.reference_computed, 24);

  // Another rule: completions that did not end (no EOS) are other sequences.
  DpoData cut = data(6);
  for (auto& ranking : cut.train)
    for (auto& completion : ranking.completions) completion.ended = false;
  RecordingSink sink4;
  DpoResult four = DpoTrainer(config("cache4"), cut, &cache).run(sink4);
  EXPECT_EQ(four.reference_cached, 0);
  EXPECT_EQ(four.reference_computed, 24);

  // And a max_length that cuts the prompt from the left changes the key too.
  DpoConfig shorter = config("cache5");
  shorter.max_length = 9;  // 6 letters + EOS leave 2 of the prompt's 5 tokens
  RecordingSink sink5;
  DpoResult five = DpoTrainer(shorter, data(6), &cache).run(sink5);
  EXPECT_EQ(five.reference_cached, 0);
  EXPECT_EQ(five.reference_computed, 24);
}

TEST_F(DpoTrainerTest, ResumedRunEndsBitIdenticalToAnUninterruptedRun) {
  DpoConfig straight = config("straight");
  straight.steps = 8;
  straight.log_every = 4;
  straight.checkpoint_every = 4;
  RecordingSink sink;
  DpoResult uninterrupted = DpoTrainer(straight, data(12)).run(sink);

  DpoConfig resumed = config("resumed");
  resumed.steps = 8;
  resumed.log_every = 4;
  resumed.resume_from = (dir_.path / "straight" / "step-000004").string();
  RecordingSink resumed_sink;
  DpoResult again = DpoTrainer(resumed, data(12)).run(resumed_sink);
  EXPECT_EQ(again.steps_done, 8);
  EXPECT_EQ(again.final_hash, uninterrupted.final_hash);
  EXPECT_EQ(load_checkpoint(again.final_dir).manifest.kind, "policy");
}

TEST_F(DpoTrainerTest, WarnsWhenChosenRewardsFallWhileMarginsRise) {
  // From a model that already writes such answers, a large step size on its own samples: both
  // log-probs fall, the rejected faster.
  const std::string sft = test::train_synthetic_sft((dir_.path / "synthetic").string());
  DpoConfig fast = config("warn");
  fast.policy_dir = sft;
  fast.max_length = 24;
  fast.steps = 30;
  fast.beta = 1.0;
  fast.optimizer.lr = 1e-2;
  DpoData own;
  own.train = test::rank_own_samples(sft, 40, false);
  RecordingSink sink;
  DpoTrainer(fast, own).run(sink);
  int warnings = 0;
  for (const auto& [kind, message] : sink.events)
    warnings += kind == "warning" && message.find("rewards/chosen fell") == 0;
  EXPECT_EQ(warnings, 1) << "warned once";
}

TEST_F(DpoTrainerTest, ConfigErrorsNameTheField) {
  auto message = [](const nlohmann::json& json) -> std::string {
    try {
      dpo_config_from_json(json);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  const nlohmann::json base{{"policy_dir", "p"}, {"output_dir", "o"}};
  EXPECT_EQ(message(base), "");
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json json = base;
    json[key] = std::move(value);
    return message(json);
  };
  EXPECT_NE(with("betta", 0.1).find("dpo.betta: unknown key"), std::string::npos);
  EXPECT_NE(with("beta", -1).find("dpo.beta: must be > 0"), std::string::npos);
  EXPECT_NE(with("loss", "kto").find("dpo.loss"), std::string::npos);
  EXPECT_NE(with("label_smoothing", 0.2).find("dpo.label_smoothing: only cdpo and robust"),
            std::string::npos);
  EXPECT_NE(message({{"output_dir", "o"}}).find("dpo.policy_dir: is required"), std::string::npos);
  EXPECT_NE(with("grad_accum", 0).find("dpo.grad_accum"), std::string::npos);
  // Defaults per loss.
  nlohmann::json simpo = base;
  simpo["loss"] = "simpo";
  EXPECT_EQ(dpo_config_from_json(simpo).beta_value(), 2.0);
  simpo["loss"] = "cdpo";
  EXPECT_EQ(dpo_config_from_json(simpo).label_smoothing_value(), 0.1);
}

}  // namespace
}  // namespace prefstudio
