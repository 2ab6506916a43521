// The one place a trainer gets its optimizer. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/optim/optimizer_config.h"

namespace prefstudio {

using NamedParameters = std::vector<std::pair<std::string, torch::Tensor>>;

// Weight decay goes to parameters of two or more dimensions (Linear weights) whose name does not
// mark an embedding ("wte", "wpe" or "emb" anywhere in it); biases and LayerNorm gains (1-D) and
// embedding tables are not decayed (the rule of nanoGPT and Hugging Face, plus embeddings).
bool parameter_gets_weight_decay(const std::string& name, const torch::Tensor& parameter);

// Builds AdamW (two groups: decayed 2-D weights, undecayed biases/norms/embeddings) or GaLore-AdamW
// (target 2-D weights projected, the rest AdamW). Throws ConfigError for an unknown name.
// Details: parameters that do not require grad are left out, a tensor listed twice (tied weights)
// is optimised once, empty groups are dropped. Group order, which a saved state relies on:
// adamw: [decayed, undecayed]; galore_adamw: [GaLore targets (decayed), decayed, undecayed], every
// group a GaloreAdamW group (rank 0 = the authors' AdamW). GaLore targets are the 2-D parameters
// whose name contains one of galore.target_modules; ConfigError if there is none.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const NamedParameters& parameters);

// Sets the learning rate of every group (the trainers' schedule calls this each step).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace prefstudio
