// Sync-free global gradient clipping (see grad_clip.h).
#include "core/train/grad_clip.h"

namespace prefstudio {

torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> norms;
  std::vector<torch::Tensor> grads;
  for (const auto& parameter : parameters) {
    const auto& grad = parameter.grad();
    if (!grad.defined()) continue;
    grads.push_back(grad);
    norms.push_back(grad.detach().to(torch::kFloat).norm());  // ()
  }
  if (norms.empty()) return torch::zeros({});
  auto total = torch::stack(norms).norm();  // ()
  if (max_norm > 0.0) {
    auto scale = (max_norm / (total + 1e-6)).clamp_max(1.0);  // ()
    for (auto& grad : grads) grad.mul_(scale.to(grad.dtype()));
  }
  return total;
}

}  // namespace prefstudio
