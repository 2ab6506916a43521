// The policy evaluation on models already in memory, for trainers that hold their policy while it
// trains (policy_evaluation.h has the rule). Internal header of core (torch).
#pragma once

#include "core/model/checkpoint.h"
#include "core/model/reward_model.h"
#include "core/train/metrics_sink.h"
#include "core/train/policy_evaluation.h"

namespace prefstudio {

// `reward` may be null. Puts the models in eval mode while it runs and restores their modes.
PolicyEvaluation evaluate_policy(Gpt& policy, Gpt& reference, const Tokenizer& tokenizer,
                                 RewardModel* reward, const std::vector<std::string>& prompts,
                                 const PolicyEvalConfig& config, const RuleScore& rule);

// A policy trainer's evaluation at `step`: evaluate_policy, its means as metrics named eval/kl,
// eval/reward (with a reward model), eval/true_score and eval/true_score_std (where the prompts
// have a rule score), eval/eos_rate, eval/length; the report sent to `sink` as an evaluation of
// kind "policy" and every sample through on_samples.
std::vector<std::pair<std::string, double>> report_policy_evaluation(
    int64_t step, MetricsSink& sink, Gpt& policy, Gpt& reference, const Tokenizer& tokenizer,
    RewardModel* reward, const std::vector<std::string>& prompts, const PolicyEvalConfig& config,
    const RuleScore& rule);

}  // namespace prefstudio
