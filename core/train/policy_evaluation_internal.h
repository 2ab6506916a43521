// The policy evaluation on models already in memory, for trainers that hold their policy while it
// trains (policy_evaluation.h has the rule). Internal header of core (torch).
#pragma once

#include "core/model/checkpoint.h"
#include "core/model/reward_model.h"
#include "core/train/policy_evaluation.h"

namespace prefstudio {

// `reward` may be null. Puts the models in eval mode while it runs and restores their modes.
PolicyEvaluation evaluate_policy(Gpt& policy, Gpt& reference, const Tokenizer& tokenizer,
                                 RewardModel* reward, const std::vector<std::string>& prompts,
                                 const PolicyEvalConfig& config, const RuleScore& rule);

}  // namespace prefstudio
