// bf16 autocast for the forward pass on CUDA, as an RAII guard; a no-op elsewhere (CPU training
// stays float32, whose kernels are faster there). Internal header (torch).
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

namespace prefstudio {

class AutocastGuard {
 public:
  explicit AutocastGuard(const torch::Device& device) : enabled_(device.is_cuda()) {
    if (!enabled_) return;
    previous_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
    at::autocast::increment_nesting();
  }
  ~AutocastGuard() {
    if (!enabled_) return;
    // The cast-weight cache lives for one forward; drop it when the outermost guard ends.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_enabled(previous_);
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_;
  bool previous_ = false;
};

}  // namespace prefstudio
