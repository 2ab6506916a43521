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

// Builds AdamW (two groups: decayed 2-D weights, undecayed biases/norms/embeddings) or GaLore-AdamW
// (target 2-D weights projected, the rest AdamW). Throws ConfigError for an unknown name.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const NamedParameters& parameters);

// Sets the learning rate of every group (the trainers' schedule calls this each step).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace prefstudio
