// GPT-2's MLP. GELU uses the tanh approximation because that is what GPT-2 was trained with; the
// exact erf form differs by up to ~1e-3 and would fail the golden test.
#include "core/model/mlp.h"

namespace prefstudio {

MlpImpl::MlpImpl(const GptConfig& config) : dropout_(config.dropout) {
  c_fc_ = register_module("c_fc", torch::nn::Linear(config.n_embd, 4 * config.n_embd));
  c_proj_ = register_module("c_proj", torch::nn::Linear(4 * config.n_embd, config.n_embd));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  auto h = torch::gelu(c_fc_->forward(x), "tanh");  // (B, T, 4C)
  auto y = c_proj_->forward(h);                     // (B, T, C)
  if (dropout_ > 0.0 && is_training()) y = torch::dropout(y, dropout_, true);
  return y;
}

}  // namespace prefstudio
