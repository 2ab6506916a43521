// The demo's first stage: the project (prompts of both splits and fresh ones, the labeling
// guidelines), a small byte-level GPT made as `model init` makes it, SFT on generated
// demonstrations stopped early on purpose, and K completions of every prompt from the SFT model.
#pragma once

#include <nlohmann/json.hpp>

#include "app/cli/demo_paths.h"
#include "app/cli/demo_plan.h"

namespace prefstudio::cli {

// Creates paths.project() (CliUsageError if it exists) and paths.plan(); returns the summary
// (score_before, score_after: mean greedy demo_score on the validation prompts; sft_steps, ...).
nlohmann::json run_demo_sft_stage(const DemoPaths& paths, const DemoPlan& plan);

// Mean demo_score of greedy answers of `model_dir` to `prompts` (16 new tokens at most).
double mean_greedy_score(const std::string& model_dir, const std::vector<std::string>& prompts);

}  // namespace prefstudio::cli
