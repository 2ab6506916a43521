// Everything an online-RL run needs (PPO, RLOO, GRPO), read from the "ppo" / "rloo" / "grpo" JSON
// that `prefstudio-cli train ppo|rloo|grpo` gets and stored whole with the run. Plain data,
// torch-free. Defaults that depend on the algorithm are resolved by rl_config_from_json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/optim/optimizer_config.h"

namespace prefstudio {

struct RlConfig {
  std::string algorithm = "grpo";  // "ppo" | "rloo" | "grpo"
  std::string policy_dir;          // the SFT model the policy starts from
  std::string output_dir;
  std::string reference_dir;       // "" = policy_dir: the frozen pi_ref of the KL
  std::string reward_model_dir;    // reward {"model": DIR}: a reward checkpoint, offset applied
  std::string reward_function;     // reward {"function": "demo_sort"}: the demo's demo_score
  int64_t steps = 100;             // rollouts (each followed by ppo_epochs passes of updates)
  int64_t rollout_prompts = 16;    // training prompts per rollout
  int64_t samples_per_prompt = 4;  // K samples of each prompt (the group); 1 for PPO
  int64_t max_new_tokens = 64;
  double temperature = 1.0;        // sampling and the log-probs of the ratio alike
  std::optional<double> missing_eos_penalty;  // subtracted from the score of a cut completion
  double kl_coefficient = 0.05;    // 0.02 PPO, 0.05 RLOO (in the reward), 0.0 GRPO (k3 in the loss)
  std::string kl_estimator = "k1"; // the reward's KL (PPO per token, RLOO per sequence): k1 or k3
  // Ziegler et al.'s adaptive coefficient when set: after each rollout
  // coef *= 1 + clip(KL / kl_target - 1, -0.2, 0.2) * episodes / kl_horizon.
  std::optional<double> kl_target;
  double kl_horizon = 10000;       // their horizon; read only with kl_target
  int64_t ppo_epochs = 1;          // passes over each rollout's samples (4 for PPO)
  int64_t minibatch_size = 8;      // samples per optimizer step
  double clip_range = 0.2;
  double ratio_threshold = 10.0;   // a minibatch whose mean ratio exceeds it is skipped
  std::string grpo_loss = "grpo";  // "grpo" (mean over each sequence) | "dr_grpo"
  // PPO's critic and its loss terms (ignored by RLOO and GRPO, which have none).
  double clip_range_value = 0.2;
  double value_coefficient = 0.1;
  double entropy_coefficient = 0.0;
  double discount = 1.0;           // GAE's gamma
  double gae_lambda = 0.95;
  bool whiten_advantages = true;   // over the real response tokens of the rollout
  double ptx_coefficient = 0.0;    // PPO-ptx: times the per-token NLL of ptx_data
  std::string ptx_data;            // an SFT JSONL file, or "project": its top-ranked completions
  OptimizerConfig value_optimizer; // the critic's; a copy of `optimizer` unless given
  // Where the critic starts: "reward" (the reward model, head included: InstructGPT; with a rule
  // reward there is none, so the policy) or "policy" (the policy with a fresh head).
  std::string value_init = "reward";
  int64_t grad_accum = 1;
  double clip_norm = 1.0;
  int64_t warmup_steps = 0;        // in optimizer steps
  double min_lr_ratio = 1.0;       // constant learning rate after warm-up by default
  uint64_t seed = 1234;
  int64_t log_every = 1;           // rollouts between training records
  int64_t eval_every = 10;         // rollouts between evaluations; 0 = only at the end
  int64_t eval_prompts = 100;
  int64_t checkpoint_every = 0;    // rollouts between checkpoints
  std::string device = "cpu";
  int threads = 0;
  double max_seconds = 0;
  std::string resume_from;         // a step-N checkpoint of this run (rollout boundary)
  OptimizerConfig optimizer;

  // Throws ConfigError naming "<algorithm>.<field>".
  void validate() const;
  const std::string& reference() const { return reference_dir.empty() ? policy_dir : reference_dir; }
};

// `algorithm` is "rloo" or "grpo"; errors name "<algorithm>.<key>".
RlConfig rl_config_from_json(const nlohmann::json& json, const std::string& algorithm);
nlohmann::json to_json(const RlConfig& config);

}  // namespace prefstudio
