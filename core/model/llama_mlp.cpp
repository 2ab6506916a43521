// LlamaMlp: SwiGLU.
#include "core/model/llama_mlp.h"

namespace prefstudio {

LlamaMlpImpl::LlamaMlpImpl(const GptConfig& config) {
  const int64_t c = config.n_embd, i = config.intermediate_size;
  auto options = [&](int64_t in, int64_t out) {
    return torch::nn::LinearOptions(in, out).bias(config.mlp_bias);
  };
  gate_proj_ = register_module("gate_proj", torch::nn::Linear(options(c, i)));
  up_proj_ = register_module("up_proj", torch::nn::Linear(options(c, i)));
  down_proj_ = register_module("down_proj", torch::nn::Linear(options(i, c)));
}

torch::Tensor LlamaMlpImpl::forward(const torch::Tensor& x) {
  auto h = torch::silu(gate_proj_->forward(x)) * up_proj_->forward(x);  // (B, T, I)
  return down_proj_->forward(h);                                       // (B, T, C)
}

}  // namespace prefstudio
