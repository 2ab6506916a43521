// GPT-2 block: registered names ln_1, attn, ln_2, mlp as in Hugging Face's GPT2Block.
#include "core/model/block.h"

namespace prefstudio {

BlockImpl::BlockImpl(const GptConfig& config) {
  auto ln_options = torch::nn::LayerNormOptions({config.n_embd}).eps(config.layer_norm_epsilon);
  ln_1_ = register_module("ln_1", torch::nn::LayerNorm(ln_options));
  attn_ = register_module("attn", CausalSelfAttention(config));
  ln_2_ = register_module("ln_2", torch::nn::LayerNorm(ln_options));
  mlp_ = register_module("mlp", Mlp(config));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed,
                                 torch::Tensor* past_k, torch::Tensor* past_v) {
  auto h = x + attn_->forward(ln_1_->forward(x), allowed, past_k, past_v);  // (B, T, C)
  return h + mlp_->forward(ln_2_->forward(h));                              // (B, T, C)
}

void BlockImpl::set_dropout(double p) {
  attn_->set_dropout(p);
  mlp_->set_dropout(p);
}

}  // namespace prefstudio
