// RmsNorm: float32 statistics whatever the weights' dtype, as transformers' LlamaRMSNorm.
#include "core/model/rms_norm.h"

namespace prefstudio {

RmsNormImpl::RmsNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight_ = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  auto xf = x.to(torch::kFloat);                                      // (..., C)
  xf = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps_);  // (..., C)
  return weight_ * xf.to(x.scalar_type());                            // (..., C)
}

}  // namespace prefstudio
