// DemoPlan (see demo_plan.h).
#include "app/cli/demo_plan.h"

#include <cmath>

namespace prefstudio::cli {

DemoPlan make_demo_plan(bool quick, uint64_t seed, int threads, int64_t prompts) {
  DemoPlan plan;
  plan.quick = quick;
  plan.seed = seed;
  plan.threads = threads;
  // ~0.8M parameters: learns 4-10 letter sorting in about a minute on two cores.
  plan.model = {{"tokenizer", "byte"}, {"n_embd", 128},     {"n_layer", 4},
                {"n_head", 4},         {"n_positions", 64}, {"seed", seed}};
  if (quick) {
    // Held-out prompts buy the test its power: the paired standard error of a gain shrinks with
    // their number, and the trainers' own evaluations are left out to pay for them.
    plan.train_prompts = 200;
    plan.validation_prompts = 160;
    plan.sft_examples = 8000;
    plan.sft_steps = 200;
    plan.reward_epochs = 6;
    plan.dpo_epochs = 6;
    plan.ppo_rollouts = 6;
    plan.grpo_rollouts = 16;
    plan.trainer_evaluations = false;
  }
  if (prompts > 0) {
    plan.validation_prompts = std::llround(double(prompts) * plan.validation_fraction);
    plan.train_prompts = prompts - plan.validation_prompts;
    plan.fresh_prompts = 0;
  }
  return plan;
}

nlohmann::json DemoPlan::to_json() const {
  return {{"quick", quick},
          {"seed", seed},
          {"threads", threads},
          {"train_prompts", train_prompts},
          {"validation_prompts", validation_prompts},
          {"fresh_prompts", fresh_prompts},
          {"validation_fraction", validation_fraction},
          {"k", k},
          {"model", model},
          {"sft_examples", sft_examples},
          {"sft_steps", sft_steps},
          {"reward_epochs", reward_epochs},
          {"dpo_epochs", dpo_epochs},
          {"ppo_rollouts", ppo_rollouts},
          {"grpo_rollouts", grpo_rollouts},
          {"trainer_evaluations", trainer_evaluations},
          {"eval_samples", eval_samples}};
}

DemoPlan DemoPlan::from_json(const nlohmann::json& json) {
  DemoPlan plan;
  plan.quick = json.at("quick").get<bool>();
  plan.seed = json.at("seed").get<uint64_t>();
  plan.threads = json.at("threads").get<int>();
  plan.train_prompts = json.at("train_prompts").get<int64_t>();
  plan.validation_prompts = json.at("validation_prompts").get<int64_t>();
  plan.fresh_prompts = json.at("fresh_prompts").get<int64_t>();
  plan.validation_fraction = json.at("validation_fraction").get<double>();
  plan.k = json.at("k").get<int64_t>();
  plan.model = json.at("model");
  plan.sft_examples = json.at("sft_examples").get<int64_t>();
  plan.sft_steps = json.at("sft_steps").get<int64_t>();
  plan.reward_epochs = json.at("reward_epochs").get<int64_t>();
  plan.dpo_epochs = json.at("dpo_epochs").get<int64_t>();
  plan.ppo_rollouts = json.at("ppo_rollouts").get<int64_t>();
  plan.grpo_rollouts = json.at("grpo_rollouts").get<int64_t>();
  plan.trainer_evaluations = json.at("trainer_evaluations").get<bool>();
  plan.eval_samples = json.at("eval_samples").get<int64_t>();
  return plan;
}

}  // namespace prefstudio::cli
