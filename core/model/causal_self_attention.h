// Multi-head causal self-attention of GPT-2 (nanoGPT's CausalSelfAttention) with Hugging Face's
// names c_attn (fused q, k, v) and c_proj. Masking and the KV cache are decided by the caller
// (Gpt): this block only applies the mask it is given. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/gpt_config.h"

namespace prefstudio {

class CausalSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit CausalSelfAttentionImpl(const GptConfig& config);

  // x (B, T, C). `allowed` (B, 1, T, T_past + T) bool, true where a query may attend a key;
  // undefined means plainly causal with no past. `past_k`/`past_v` (B, nh, T_past, hs) or null:
  // when given, this step's keys and values are appended to them in place. Returns (B, T, C).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed,
                        torch::Tensor* past_k = nullptr, torch::Tensor* past_v = nullptr);

  void set_dropout(double p) { dropout_ = p; }

 private:
  int64_t n_head_;
  double dropout_;
  torch::nn::Linear c_attn_{nullptr};
  torch::nn::Linear c_proj_{nullptr};
};
TORCH_MODULE(CausalSelfAttention);

}  // namespace prefstudio
