// Global gradient-norm clipping without a host sync: LibTorch's clip_grad_norm_ returns a double
// (an .item() every step, a stall on CUDA); this returns the norm as a tensor that the trainer
// reads only when it logs. Internal header (torch).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace prefstudio {

// Scales every gradient by min(1, max_norm / (norm + 1e-6)), where norm is the L2 norm of all
// gradients together; max_norm <= 0 only measures. Returns the norm before clipping, a 0-d float
// tensor on the parameters' device. Parameters without a gradient are skipped.
torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace prefstudio
