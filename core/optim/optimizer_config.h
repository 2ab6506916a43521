// Which optimizer a trainer uses and how: one struct for every stage (SFT, reward model, DPO, PPO),
// read from the run's JSON config under "optimizer". Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace prefstudio {

struct GaloreConfig {
  int64_t rank = 128;             // e.g. 128..512 in the paper; clamped to the smaller side
  int64_t update_proj_gap = 200;  // steps between SVD refreshes of each projector (paper: 200)
  double scale = 1.0;             // alpha, multiplies the projected-back update (paper runs 0.25)
  std::string proj_type = "std";  // std | reverse_std | left | right | full
  // Substrings of parameter names that get GaLore; others run plain AdamW. The default takes the
  // attention and MLP linear weights of GPT-2 and of Llama/Qwen2 (the paper's targets), leaving
  // embeddings, norms, biases and heads to AdamW.
  std::vector<std::string> target_modules = {
      "attn.c_attn.weight",      "attn.c_proj.weight",      "mlp.c_fc.weight",
      "mlp.c_proj.weight",       "self_attn.q_proj.weight", "self_attn.k_proj.weight",
      "self_attn.v_proj.weight", "self_attn.o_proj.weight", "mlp.gate_proj.weight",
      "mlp.up_proj.weight",      "mlp.down_proj.weight"};
};

struct OptimizerConfig {
  std::string name = "adamw";  // "adamw" or "galore_adamw"
  double lr = 3e-4;            // peak learning rate, after warm-up
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;          // GaLore's reference uses 1e-6; its parse sets that default
  double weight_decay = 0.0;  // decoupled; never applied to biases, norms or embeddings
  GaloreConfig galore;
};

// Reads {"name": ..., "lr": ..., "galore": {...}}; missing keys keep their defaults; a mistyped or
// out-of-range value throws ConfigError naming "optimizer.<key>".
OptimizerConfig optimizer_config_from_json(const nlohmann::json& json);
nlohmann::json to_json(const OptimizerConfig& config);

}  // namespace prefstudio
