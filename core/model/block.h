// One pre-LayerNorm transformer block of GPT-2: x + attn(ln_1(x)), then + mlp(ln_2(x)).
// Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/causal_self_attention.h"
#include "core/model/gpt_config.h"
#include "core/model/mlp.h"

namespace prefstudio {

class BlockImpl : public torch::nn::Module {
 public:
  explicit BlockImpl(const GptConfig& config);
  // x (B, T, C) -> (B, T, C); `allowed`, `past_k`, `past_v` as in CausalSelfAttention::forward.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed,
                        torch::Tensor* past_k = nullptr, torch::Tensor* past_v = nullptr);
  void set_dropout(double p);

 private:
  torch::nn::LayerNorm ln_1_{nullptr};
  CausalSelfAttention attn_{nullptr};
  torch::nn::LayerNorm ln_2_{nullptr};
  Mlp mlp_{nullptr};
};
TORCH_MODULE(Block);

}  // namespace prefstudio
