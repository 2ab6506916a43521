// Everything an SFT run needs, read from the "sft" JSON the CLI gets (--config) and stored whole
// with the run so it can be repeated. Plain data, torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/optim/optimizer_config.h"

namespace prefstudio {

struct SftConfig {
  std::string model_dir;              // checkpoint folder to start from, e.g. "models/init"
  std::string output_dir;             // checkpoints go to <output_dir>/step-NNNNNN and .../final
  std::string data_source = "jsonl";  // "jsonl": data_path; "project": each prompt's best-ranked
                                      // completion in the project database
  std::string data_path;              // JSONL of {"prompt","response"}, for data_source "jsonl"
  int64_t steps = 1000;               // optimizer steps (each batch_size * grad_accum examples)
  int64_t batch_size = 16;            // examples per micro-batch
  int64_t grad_accum = 1;             // micro-batches summed per optimizer step
  int64_t max_length = 256;           // tokens per example, prompt + response + end-of-text;
                                      // longer ones are cut at the end
  double clip_norm = 1.0;             // global gradient-norm clip; 0 = off
  int64_t warmup_steps = 50;          // linear warm-up, then cosine decay to min_lr_ratio * lr
  double min_lr_ratio = 0.1;          // e.g. 0.1: nanoGPT decays to a tenth of the peak
  int64_t log_every = 10;             // steps between loss_train/lr/grad_norm/tokens_per_s records
  int64_t eval_every = 100;           // steps between validation losses; 0 = only at the end
  int64_t eval_batches = 8;           // validation micro-batches per evaluation (the first ones)
  int64_t checkpoint_every = 0;       // steps between checkpoints; 0 = only the final one
  double validation_fraction = 0.05;  // held out from the examples, e.g. 0.05; 0 = no loss_val
  uint64_t seed = 1234;               // shuffles, split and dropout: same seed, same run
  std::string device = "cpu";         // "cpu", "cuda", "cuda:N" (bf16 autocast on CUDA)
  int threads = 0;                    // LibTorch intra-op threads; 0 = all cores
  double max_seconds = 0;             // time box: stop with a final checkpoint after this many
                                      // seconds, the cosine following the clock where it is ahead
                                      // of steps (e.g. the demo's 180); 0 = off
  OptimizerConfig optimizer;          // "optimizer": {"name": "adamw", "lr": 3e-4, ...}
  std::string resume_from;            // a checkpoint this config wrote, e.g. "models/sft/step-000200":
                                      // weights, optimizer state (GaLore projectors included) and
                                      // step come from it, so the run goes on exactly; "" = start

  // Throws ConfigError naming "sft.<field>" when a value is out of range. Does not look at
  // data_path: the trainer is handed its examples.
  void validate() const;
};

// Reads {"model_dir": ..., "output_dir": ..., "optimizer": {...}, ...}; missing keys keep their
// defaults (model_dir, output_dir, and data_path for "jsonl" are required), unknown keys are
// refused. Every error is a ConfigError naming "sft.<key>" (or "optimizer.<key>").
SftConfig sft_config_from_json(const nlohmann::json& json);
nlohmann::json to_json(const SftConfig& config);

}  // namespace prefstudio
