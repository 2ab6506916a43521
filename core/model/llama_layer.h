// One Llama decoder layer, Hugging Face's LlamaDecoderLayer: x + self_attn(input_layernorm(x)),
// then + mlp(post_attention_layernorm(x)). Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/gpt_config.h"
#include "core/model/llama_attention.h"
#include "core/model/llama_mlp.h"
#include "core/model/rms_norm.h"

namespace prefstudio {

class LlamaLayerImpl : public torch::nn::Module {
 public:
  explicit LlamaLayerImpl(const GptConfig& config);
  // x (B, T, C) -> (B, T, C); the rest as LlamaAttention::forward takes it.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& allowed, torch::Tensor* past_k = nullptr,
                        torch::Tensor* past_v = nullptr);

 private:
  RmsNorm input_layernorm_{nullptr};
  LlamaAttention self_attn_{nullptr};
  RmsNorm post_attention_layernorm_{nullptr};
  LlamaMlp mlp_{nullptr};
};
TORCH_MODULE(LlamaLayer);

}  // namespace prefstudio
