// The sizes and settings of one demo run (`prefstudio-cli demo`): the full one, which shows the
// whole InstructGPT loop in about ten minutes on two cores, and --quick (under two, for tests).
// Stored beside the project as DIR/demo.json so `demo DIR --stage NAME` reruns one stage with the
// plan that made the project. Plain data.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace prefstudio::cli {

struct DemoPlan {
  bool quick = false;
  uint64_t seed = 1;
  int threads = 1;
  // Prompts of the project: ranked by the simulated labelers and rolled out on (training split),
  // held out for every evaluation (validation split), and fresh ones left for a person to rank.
  int64_t train_prompts = 800;
  int64_t validation_prompts = 200;
  int64_t fresh_prompts = 16;
  double validation_fraction = 0.4;  // the project's split; prompts are drawn until both counts fill
  int64_t k = 4;                     // completions per prompt
  // SFT: stopped early on purpose (a fixed number of steps), so the later stages have room.
  nlohmann::json model;              // model init spec
  int64_t sft_examples = 20000;
  int64_t sft_steps = 300;
  // Later stages.
  int64_t reward_epochs = 6;
  int64_t dpo_epochs = 3;
  int64_t ppo_rollouts = 25;
  int64_t grpo_rollouts = 25;
  bool trainer_evaluations = true;   // each trainer's own final policy evaluation (for the GUI)
  int64_t eval_samples = 8;          // samples per held-out prompt in the summary

  nlohmann::json to_json() const;
  static DemoPlan from_json(const nlohmann::json& json);
};

// The plan for `quick`, `seed` and `threads`; `prompts` > 0 replaces the prompt counts (train +
// validation = prompts, split by validation_fraction, no fresh ones) for small fixtures.
DemoPlan make_demo_plan(bool quick, uint64_t seed, int threads, int64_t prompts = 0);

}  // namespace prefstudio::cli
