// The PPO / RLOO / GRPO trainer's contract on a tiny byte-level model with the demo's rule: with
// policy equal to reference the first rollout's KL is exactly 0 and GRPO's first update (ratio 1,
// each group's advantages summing to 0) has loss 0; RLOO's, Dr. GRPO's and PPO's first updates
// match the formulas on a rollout computed apart; a run resumed from a rollout-boundary checkpoint ends
// bit-identical to an uninterrupted one (policy, critic, KL coefficient); a PPO checkpoint holds
// both models and both optimizers; a bad config names its field.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/index_cycler.h"
#include "core/train/rl_trainer.h"
#include "core/train/rollout.h"
#include "core/train/value_critic.h"
#include "tests/core/core_test_temp_dir.h"

namespace prefstudio {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

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
  for (const char* algorithm : {"ppo", "grpo", "rloo"}) {
    SCOPED_TRACE(algorithm);
    RlConfig straight = config(algorithm, std::string("straight-") + algorithm);
    straight.checkpoint_every = 2;  // rollouts
    straight.kl_target = 0.01;      // the adaptive controller's coefficient must resume too
    RecordingSink sink;
    const RlResult uninterrupted = RlTrainer(straight, data_).run(sink);
    EXPECT_EQ(uninterrupted.rollouts_done, 4);
    EXPECT_NE(uninterrupted.final_hash,
              load_checkpoint((dir_.path / "init").string()).manifest.content_hash)
        << "the run must have moved the weights";

    RlConfig resumed = config(algorithm, std::string("resumed-") + algorithm);
    resumed.kl_target = straight.kl_target;
    resumed.resume_from = (dir_.path / (std::string("straight-") + algorithm) / "step-000002").string();
    RecordingSink resumed_sink;
    const RlResult again = RlTrainer(resumed, data_).run(resumed_sink);
    EXPECT_EQ(again.updates_done, uninterrupted.updates_done);
    EXPECT_EQ(again.final_hash, uninterrupted.final_hash);
    EXPECT_EQ(load_checkpoint(again.final_dir).manifest.kind, "policy");
    EXPECT_EQ(read_text(uninterrupted.final_dir + "/rl_state.json"),
              read_text(again.final_dir + "/rl_state.json"));
    if (std::string(algorithm) == "ppo")
      EXPECT_EQ(load_checkpoint(again.final_dir + "/value").manifest.content_hash,
                load_checkpoint(uninterrupted.final_dir + "/value").manifest.content_hash);
  }
}

TEST_F(RlTrainerTest, PpoCheckpointHoldsPolicyCriticOptimizersAndKlState) {
  RlConfig ppo = config("ppo", "layout");
  ppo.steps = 2;
  ppo.checkpoint_every = 1;
  ppo.kl_target = 0.01;
  RecordingSink sink;
  RlTrainer(ppo, data_).run(sink);
  const std::filesystem::path step = dir_.path / "layout" / "step-000001";  // one update a rollout
  EXPECT_EQ(load_checkpoint((step / "policy").string()).manifest.kind, "policy");
  const LoadedModel value = load_checkpoint((step / "value").string());
  EXPECT_EQ(value.manifest.kind, "value");
  EXPECT_EQ(value.extra.count("score.weight"), 1u) << "the critic's head";
  EXPECT_EQ(load_checkpoint(step.string()).manifest.kind, "policy") << "the folder loads as its policy";
  for (const char* file : {"optimizer.pt", "optimizer-value.pt", "rl_state.json"})
    EXPECT_TRUE(std::filesystem::exists(step / file)) << file;
  const auto state = nlohmann::json::parse(read_text((step / "rl_state.json").string()));
  EXPECT_NE(state["kl_coefficient"].get<double>(), ppo.kl_coefficient) << "the controller moved";
  EXPECT_FALSE(std::isnan(sink.first("loss/value")));
  EXPECT_FALSE(std::isnan(sink.first("grad_norm/value")));
  EXPECT_FALSE(std::isnan(sink.first("val/explained_variance")));
}

// The first update of a run (ratio 1, policy = reference so every KL is 0) against the formulas on
// a rollout, values and log-probs computed apart from the trainer: RLOO's loss is the token mean of
// -A with A each score minus the mean of the other K - 1; Dr. GRPO's the sequence mean of
// -A n / max_new_tokens with A the score minus its group's mean; PPO's (advantages not whitened)
// is the token mean of -GAE(score at the last token, the critic's values) and its value loss
// 0.5 mean (V - returns)^2.
TEST_F(RlTrainerTest, FirstUpdateMatchesTheFormulasOnARolloutComputedApart) {
  for (const char* algorithm : {"rloo", "ppo", "grpo"}) {
    SCOPED_TRACE(algorithm);
    RlConfig one = config(algorithm, std::string("one-") + algorithm);
    one.grpo_loss = "dr_grpo";  // its token sums over max_new_tokens make the first loss non-zero
    one.steps = 1;
    one.whiten_advantages = false;
    one.minibatch_size = one.rollout_prompts * one.samples_per_prompt;  // one update: all rows
    RecordingSink sink;
    RlTrainer(one, data_).run(sink);

    // The same rollout: the trainer's first prompts, seed and models.
    torch::manual_seed(one.seed);
    LoadedModel policy = load_checkpoint(one.policy_dir);
    LoadedModel reference = load_checkpoint(one.policy_dir);
    policy.model->set_dropout(0.0);
    std::optional<ValueCritic> critic;
    if (std::string(algorithm) == "ppo") critic.emplace(load_value_critic("", "", one.policy_dir, torch::kCPU));
    IndexCycler prompts(data_.train_prompts.size(), one.rollout_prompts, one.seed + 1);
    std::vector<std::string> group_prompts;
    for (size_t index : prompts.next()) group_prompts.push_back(data_.train_prompts[index]);
    RolloutSettings settings;
    settings.samples_per_prompt = one.samples_per_prompt;
    settings.max_new_tokens = one.max_new_tokens;
    settings.seed = one.seed * 1000003;
    const Rollout rollout = make_rollout(
        policy.model, reference.model, *policy.tokenizer, group_prompts, settings,
        [](const std::vector<std::string>& p, const std::vector<std::string>& c,
           const std::vector<bool>&) {
          std::vector<double> scores;
          for (size_t r = 0; r < p.size(); ++r) scores.push_back(*demo_rule_score(p[r], c[r]));
          return scores;
        });
    const auto mask = rollout.mask.to(torch::kDouble);
    const int64_t rows = mask.size(0), k = one.samples_per_prompt;
    if (std::string(algorithm) == "grpo") {
      // Dr. GRPO: A_i = s_i - its group's mean; loss = mean_i(-A_i n_i / max_new_tokens).
      double loss = 0.0;
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t group = r / k;
        double mean = 0.0;
        for (int64_t j = group * k; j < group * k + k; ++j) mean += rollout.scores[j].item<double>();
        const double advantage = rollout.scores[r].item<double>() - mean / double(k);
        loss += -advantage * mask[r].sum().item<double>() / double(one.max_new_tokens);
      }
      EXPECT_NEAR(sink.first("loss/policy"), loss / double(rows), 1e-5);
      continue;
    }
    if (!critic) {
      // A_i = s_i - mean of the other K - 1 scores of its prompt.
      double loss = 0.0, tokens = 0.0;
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t group = r / k;
        double others = 0.0;
        for (int64_t j = group * k; j < group * k + k; ++j)
          if (j != r) others += rollout.scores[j].item<double>();
        const double advantage = rollout.scores[r].item<double>() - others / double(k - 1);
        const double n = mask[r].sum().item<double>();
        loss += -advantage * n;
        tokens += n;
      }
      EXPECT_NEAR(sink.first("loss/policy"), loss / tokens, 1e-5);
      continue;
    }
    // PPO: per-token rewards are 0 (KL 0) but the score at each row's last token; GAE by hand.
    critic->model.train(false);
    const auto values = rollout.per_token([&](const SequenceBatch& b) { return critic->values(b); })
                            .to(torch::kDouble);
    double policy_loss = 0.0, value_loss = 0.0, tokens = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int64_t> positions;
      for (int64_t t = 0; t < mask.size(1); ++t)
        if (mask[r][t].item<double>() > 0) positions.push_back(t);
      double next_value = 0.0, next_advantage = 0.0;
      for (auto it = positions.rbegin(); it != positions.rend(); ++it) {
        const double v = values[r][*it].item<double>();
        const double reward = it == positions.rbegin() ? rollout.scores[r].item<double>() : 0.0;
        const double delta = reward + one.discount * next_value - v;
        const double advantage = delta + one.discount * one.gae_lambda * next_advantage;
        policy_loss += -advantage;
        value_loss += 0.5 * advantage * advantage;  // (V - (A + V))^2 = A^2
        next_value = v;
        next_advantage = advantage;
        tokens += 1.0;
      }
    }
    EXPECT_NEAR(sink.first("loss/policy"), policy_loss / tokens, 1e-4);
    EXPECT_NEAR(sink.first("loss/value"), value_loss / tokens, 1e-4);
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
  // PPO's defaults and its own keys.
  const RlConfig ppo = rl_config_from_json(base, "ppo");
  EXPECT_EQ(ppo.kl_coefficient, 0.02);
  EXPECT_EQ(ppo.samples_per_prompt, 1);
  EXPECT_EQ(ppo.ppo_epochs, 4);
  EXPECT_EQ(ppo.value_optimizer.lr, ppo.optimizer.lr);
  EXPECT_EQ(rl_config_from_json(to_json(ppo), "ppo").kl_target.has_value(), false)
      << "the written config reads back";
  json = base;
  json["value_optimizer"] = {{"lr", -1}};
  EXPECT_NE(message(json, "ppo").find("ppo.value_optimizer.lr"), std::string::npos);
  json = base;
  json["ptx_coefficient"] = 0.5;
  EXPECT_NE(message(json, "ppo").find("ppo.ptx_data: is required"), std::string::npos);
  EXPECT_NE(message(json, "grpo").find("grpo.ptx"), std::string::npos);
  json = base;
  json["gae_lambda"] = 1.5;
  EXPECT_NE(message(json, "ppo").find("ppo.gae_lambda"), std::string::npos);
  json = base;
  json["value_init"] = "reference";
  EXPECT_NE(message(json, "ppo").find("ppo.value_init"), std::string::npos);
  json = base;
  json["grad_accum"] = 2;
  EXPECT_NE(message(json, "grpo").find("grpo.grad_accum"), std::string::npos);
  json = base;
  json["kl_target"] = 0;
  EXPECT_NE(message(json, "ppo").find("ppo.kl_target"), std::string::npos);
}

}  // namespace
}  // namespace prefstudio
