// Scoring many prompts' completions with a reward model, under the one sequence rule
// (sequence_batch.h): what the reward trainer's evaluation, `eval reward` and `score` share, so the
// three can never disagree. Internal header of core (torch).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/reward_model.h"

namespace prefstudio {

struct PromptCompletions {
  std::string prompt;
  std::vector<std::pair<std::string, bool>> completions;  // (text, ended)
};

// Raw scores (offset not applied) per prompt and completion, in eval mode without gradients,
// batch_rows rows per forward; nullopt for a completion the length rule skips. Restores the
// model's training mode. max_length <= 0 means the model's n_positions.
std::vector<std::vector<std::optional<double>>> score_prompt_completions(
    RewardModel& model, const std::vector<PromptCompletions>& prompts, int64_t max_length,
    int64_t batch_rows = 64);

}  // namespace prefstudio
