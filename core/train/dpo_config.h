// Everything a DPO run needs, read from the "dpo" JSON that `prefstudio-cli train dpo` gets
// (--config) and stored whole with the run so it can be repeated. Plain data, torch-free. The data
// keys (pair_mode, labelers) are read by the CLI, which loads the rankings from the project's one
// split. beta and label_smoothing left unset take the loss's default (dpo_loss.h, docs/dpo.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/optim/optimizer_config.h"

namespace prefstudio {

struct DpoConfig {
  std::string policy_dir;         // the checkpoint to start from, normally the SFT model
  std::string output_dir;         // checkpoints: <output_dir>/step-NNNNNN and .../final
  std::string reference_dir;      // "" = policy_dir: the frozen reference pi_ref
  std::string loss = "sigmoid";   // sigmoid | ipo | cdpo | robust | hinge | sigmoid_norm | simpo
  std::optional<double> beta;     // unset: 0.1, or 5 for sigmoid_norm, 2 for simpo
  std::optional<double> label_smoothing;  // e for cdpo and robust; unset: 0.1 for those, else 0
  double gamma = 0.5;             // simpo's target margin in reward units
  double nll_coefficient = 0.0;   // RPO: adds c * the chosen completion's NLL per token
  std::string pair_mode = "per_labeler";  // or "consensus" (as for the reward model)
  std::vector<std::string> labelers;      // whose rankings; empty = all
  double epochs = 1.0;            // passes over the training prompts when steps = 0
  int64_t steps = 0;              // optimizer steps; 0 = from epochs
  int64_t batch_prompts = 8;      // prompts per micro-batch (all their rankings, K forwards each)
  int64_t grad_accum = 1;
  int64_t max_length = 256;       // prompt + completion (+ EOS) tokens; see sequence_batch.h
  double clip_norm = 1.0;
  int64_t warmup_steps = 10;
  double min_lr_ratio = 0.1;
  uint64_t seed = 1234;           // data order and the evaluation's samples
  int64_t log_every = 10;
  int64_t eval_every = 50;        // steps between evaluations (step 0 included); 0 = only at end
  int64_t eval_prompts = 100;     // validation prompts the policy evaluation samples
  int64_t eval_samples = 1;       // samples per evaluation prompt
  int64_t max_new_tokens = 64;    // per evaluation sample
  std::string reward_model_dir;   // optional: scores the evaluation's samples
  int64_t checkpoint_every = 0;
  std::string device = "cpu";
  int threads = 0;
  double max_seconds = 0;
  std::string resume_from;        // a checkpoint this config wrote: weights, optimizer, step
  OptimizerConfig optimizer;      // AdamW or GaLore; DPO wants a small lr, e.g. 1e-5 .. 5e-7

  // Throws ConfigError naming "dpo.<field>".
  void validate() const;
  const std::string& reference() const { return reference_dir.empty() ? policy_dir : reference_dir; }
  double beta_value() const;             // beta or the loss's default
  double label_smoothing_value() const;  // label_smoothing or the loss's default
};

// Missing keys keep their defaults (policy_dir and output_dir are required); unknown keys are
// refused. Errors are ConfigError naming "dpo.<key>" (or "optimizer.<key>").
DpoConfig dpo_config_from_json(const nlohmann::json& json);
nlohmann::json to_json(const DpoConfig& config);

}  // namespace prefstudio
