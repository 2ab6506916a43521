// The feed-forward half of a GPT-2 block: c_fc (C -> 4C), GELU (tanh approximation, HF's
// "gelu_new"), c_proj (4C -> C), residual dropout. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/gpt_config.h"

namespace prefstudio {

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const GptConfig& config);
  // x (B, T, C) -> (B, T, C)
  torch::Tensor forward(const torch::Tensor& x);
  void set_dropout(double p) { dropout_ = p; }

 private:
  double dropout_;
  torch::nn::Linear c_fc_{nullptr};
  torch::nn::Linear c_proj_{nullptr};
};
TORCH_MODULE(Mlp);

}  // namespace prefstudio
