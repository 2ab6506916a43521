// Grouped-query self-attention of a Llama decoder layer with Hugging Face's names q_proj, k_proj,
// v_proj, o_proj: rotary positions on q and k, n_kv_head key/value heads each shared by
// n_head / n_kv_head query heads, optional biases (Qwen2's on q, k, v). The KV cache holds the
// n_kv_head heads, rotated. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/gpt_config.h"

namespace prefstudio {

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  explicit LlamaAttentionImpl(const GptConfig& config);

  // x (B, T, C); cos and sin from RotaryEmbedding::cos_sin; `allowed`, `past_k`, `past_v` as in
  // CausalSelfAttention::forward (past_k/past_v hold n_kv_head heads). Returns (B, T, C).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& allowed, torch::Tensor* past_k = nullptr,
                        torch::Tensor* past_v = nullptr);

 private:
  int64_t n_head_, n_kv_head_, head_dim_;
  torch::nn::Linear q_proj_{nullptr}, k_proj_{nullptr}, v_proj_{nullptr}, o_proj_{nullptr};
};
TORCH_MODULE(LlamaAttention);

}  // namespace prefstudio
