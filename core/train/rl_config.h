// Everything an online-RL run needs (RLOO and GRPO today; PPO's critic keys join when its trainer
// does), read from the "rloo" / "grpo" JSON that `prefstudio-cli train rloo|grpo` gets and stored
// whole with the run. Plain data, torch-free. Defaults that depend on the algorithm are resolved
// by rl_config_from_json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/optim/optimizer_config.h"

namespace prefstudio {

struct RlConfig {
  std::string algorithm = "grpo";  // "rloo" | "grpo"
  std::string policy_dir;          // the SFT model the policy starts from
  std::string output_dir;
  std::string reference_dir;       // "" = policy_dir: the frozen pi_ref of the KL
  std::string reward_model_dir;    // reward {"model": DIR}: a reward checkpoint, offset applied
  std::string reward_function;     // reward {"function": "demo_sort"}: the demo's demo_score
  int64_t steps = 100;             // rollouts (each followed by ppo_epochs passes of updates)
  int64_t rollout_prompts = 16;    // training prompts per rollout
  int64_t samples_per_prompt = 4;  // K samples of each prompt (the group)
  int64_t max_new_tokens = 64;
  double temperature = 1.0;        // sampling and the log-probs of the ratio alike
  std::optional<double> missing_eos_penalty;  // subtracted from the score of a cut completion
  double kl_coefficient = 0.05;    // 0.05 RLOO (in the reward), 0.0 GRPO (k3 in the loss)
  std::string kl_estimator = "k1"; // RLOO's sequence KL: k1 or k3 (GRPO's loss always uses k3)
  int64_t ppo_epochs = 1;          // passes over each rollout's samples
  int64_t minibatch_size = 8;      // samples per optimizer step
  double clip_range = 0.2;
  double ratio_threshold = 10.0;   // a minibatch whose mean ratio exceeds it is skipped
  std::string grpo_loss = "grpo";  // "grpo" (mean over each sequence) | "dr_grpo"
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
