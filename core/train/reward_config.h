// Everything a reward-model run needs, read from the "reward" JSON that `prefstudio-cli train
// reward` gets (--config) and stored whole with the run so it can be repeated. Plain data,
// torch-free. The data keys (pair_mode, labelers) are read by the CLI, which loads the rankings
// from the project on the project's one split.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/optim/optimizer_config.h"

namespace prefstudio {

struct RewardConfig {
  std::string model_dir;          // the checkpoint to start from, normally the SFT model
  std::string output_dir;         // checkpoints: <output_dir>/step-NNNNNN and .../final
  std::string loss = "pairwise";  // "pairwise" (InstructGPT) or "plackett_luce" (strict
                                  // rankings; a ranking with ties falls back to pairwise)
  std::string pair_mode = "per_labeler";  // "per_labeler": every labeler's ranking counts once;
                                          // "consensus": one ranked-pairs order per prompt
  std::vector<std::string> labelers;      // whose rankings to train on; empty = all
  double epochs = 1.0;            // passes over the training prompts when steps = 0; InstructGPT
                                  // found more than one overfits
  int64_t steps = 0;              // optimizer steps; 0 = from epochs
  int64_t batch_prompts = 8;      // prompts per micro-batch (all their rankings, K forwards each)
  int64_t grad_accum = 1;
  int64_t max_length = 256;       // prompt + completion (+ EOS) tokens; see sequence_batch.h
  double clip_norm = 1.0;
  int64_t warmup_steps = 10;
  double min_lr_ratio = 0.1;
  double center_coefficient = 0.0;  // TRL's reward centering, e.g. 0.01; 0 = off
  bool margin_from_strength = false;  // K = 2 rankings with a stated strength s (1..3) train with
                                      // margin m = s / 3 (Llama 2's scale), others with m = 0
  uint64_t seed = 1234;           // data order and the new head's initialisation
  int64_t log_every = 10;
  int64_t eval_every = 50;        // steps between validation calibrations; 0 = only at the end
  int64_t checkpoint_every = 0;
  std::string device = "cpu";
  int threads = 0;
  double max_seconds = 0;
  std::string resume_from;        // a checkpoint this config wrote: weights, optimizer, step
  OptimizerConfig optimizer;      // AdamW or GaLore, e.g. {"name": "adamw", "lr": 1e-5}

  // Throws ConfigError naming "reward.<field>".
  void validate() const;
};

// Missing keys keep their defaults (model_dir and output_dir are required); unknown keys are
// refused. Errors are ConfigError naming "reward.<key>" (or "optimizer.<key>").
RewardConfig reward_config_from_json(const nlohmann::json& json);
nlohmann::json to_json(const RewardConfig& config);

}  // namespace prefstudio
