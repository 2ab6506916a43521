// The demo's last stage: every model of the loop (SFT, DPO, PPO, GRPO; those that exist) evaluated
// the same way on the held-out prompts with the shared policy evaluation: mean demo_score (the true
// score) of greedy answers and of samples at temperature 1, the reward model's score, the sequence
// KL to the SFT model, and each policy's gain over SFT with its paired standard error. Printed as a
// table and stored in the project as the evaluation "demo_summary" of a run of kind "demo".
#pragma once

#include <nlohmann/json.hpp>

#include "app/cli/demo_paths.h"
#include "app/cli/demo_plan.h"

namespace prefstudio::cli {

// `seconds`: each stage's training seconds by name (from the stages' summaries), shown in the
// table. Returns {"rows": [{"stage", "true_score_greedy", "true_score", "true_score_se", "gain",
// "gain_se", "reward", "kl", "samples", "seconds"}, ...], "prompts": n, "run_id": id}.
nlohmann::json run_demo_summary_stage(const DemoPaths& paths, const DemoPlan& plan,
                                      const nlohmann::json& seconds);

}  // namespace prefstudio::cli
