// The demo's stages after SFT, each reachable on its own (`prefstudio-cli demo DIR --stage NAME`):
// the simulated labelers' rankings, then the reward model, DPO, PPO and GRPO, each run through the
// very `prefstudio-cli train ...` command a user runs, with the config the demo wrote into
// DIR/configs (edit it and run the command to repeat the stage), its JSON lines in DIR/logs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/cli/demo_paths.h"
#include "app/cli/demo_plan.h"

namespace prefstudio::cli {

// Ranks every training and validation prompt's completions as the simulated labelers would (the
// fresh prompts are left for a person). Returns {"rankings", "prompts", "labelers"}.
nlohmann::json run_demo_label_stage(const DemoPaths& paths, const DemoPlan& plan);

// Writes DIR/configs/{reward,dpo,ppo,grpo}.json (paths relative to that folder).
void write_demo_configs(const DemoPaths& paths, const DemoPlan& plan);

// `train reward` then `eval reward` on the held-out rankings: the training summary with
// "accuracy_val", "ece_val" and "agreement_ceiling" (the labelers' own agreement) added.
nlohmann::json run_demo_reward_stage(const DemoPaths& paths);

// `train dpo|ppo|grpo` with its config; returns the command's summary line.
nlohmann::json run_demo_policy_stage(const DemoPaths& paths, const std::string& algorithm);

// Runs `command` (e.g. "train reward") with `args` as `prefstudio-cli` would, its stdout into
// `log`; returns the last JSON line it printed. Throws CoreError when it exits non-zero.
nlohmann::json run_logged_command(const std::string& command, const std::vector<std::string>& args,
                                  const std::filesystem::path& log);

}  // namespace prefstudio::cli
