// The GaLore paper's per-layer weight update: each parameter is updated inside backward() as soon
// as its gradient has been accumulated, and the gradient is freed at once, so the full-size
// gradients of all layers are never alive together. Leaves out gradient clipping and gradient
// accumulation over micro-batches (both need every gradient before any update). Internal header of
// core (torch); uses LibTorch's autograd internals (post hooks on each leaf's AccumulateGrad node).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/optim/galore_adamw.h"

namespace prefstudio {

class PerLayerUpdates {
 public:
  // Installs a hook on every parameter of `optimizer`; the optimizer must outlive this object.
  // While it lives, loss.backward() also performs the optimizer step: do not call step() too.
  // Errors thrown by an update surface as an exception from backward().
  explicit PerLayerUpdates(GaloreAdamW& optimizer);
  ~PerLayerUpdates();  // removes the hooks
  PerLayerUpdates(const PerLayerUpdates&) = delete;
  PerLayerUpdates& operator=(const PerLayerUpdates&) = delete;

 private:
  // Holding the accumulators keeps them (and their hooks) alive across forward passes: LibTorch
  // keeps only a weak reference and would make fresh ones without our hooks.
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<uintptr_t> hook_keys_;
};

}  // namespace prefstudio
