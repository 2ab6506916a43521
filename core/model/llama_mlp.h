// The SwiGLU feed-forward of a Llama decoder layer: down_proj(silu(gate_proj(x)) * up_proj(x)),
// Hugging Face's names, optional biases (Llama's mlp_bias). Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/gpt_config.h"

namespace prefstudio {

class LlamaMlpImpl : public torch::nn::Module {
 public:
  explicit LlamaMlpImpl(const GptConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // (B, T, C) -> (B, T, C)

 private:
  torch::nn::Linear gate_proj_{nullptr}, up_proj_{nullptr}, down_proj_{nullptr};
};
TORCH_MODULE(LlamaMlp);

}  // namespace prefstudio
