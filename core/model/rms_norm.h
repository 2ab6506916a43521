// Llama's RMSNorm as Hugging Face computes it: in float32, x * rsqrt(mean(x^2) + eps), cast back to
// the input's dtype, then scaled by `weight` (no bias, no centring). Internal header of core (torch).
#pragma once

#include <torch/torch.h>

namespace prefstudio {

class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // (..., C) -> (..., C)

 private:
  double eps_;
  torch::Tensor weight_;  // (C), registered as "weight"
};
TORCH_MODULE(RmsNorm);

}  // namespace prefstudio
