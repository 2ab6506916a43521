// Attention of one GPT-2 block: the fused q, k, v projection, the KV cache, attend(), c_proj.
#include "core/model/causal_self_attention.h"

#include "core/model/attention_kernel.h"

namespace prefstudio {

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GptConfig& config)
    : n_head_(config.n_head), dropout_(config.dropout) {
  c_attn_ = register_module("c_attn", torch::nn::Linear(config.n_embd, 3 * config.n_embd));
  c_proj_ = register_module("c_proj", torch::nn::Linear(config.n_embd, config.n_embd));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed,
                                               torch::Tensor* past_k, torch::Tensor* past_v) {
  // B batch, T new tokens, C n_embd, nh heads, hs head size, Tk = T_past + T keys.
  const int64_t b = x.size(0), t = x.size(1), c = x.size(2), hs = c / n_head_;
  auto qkv = c_attn_->forward(x).split(c, 2);                 // 3 x (B, T, C)
  auto q = qkv[0].view({b, t, n_head_, hs}).transpose(1, 2);  // (B, nh, T, hs)
  auto k = qkv[1].view({b, t, n_head_, hs}).transpose(1, 2);  // (B, nh, T, hs)
  auto v = qkv[2].view({b, t, n_head_, hs}).transpose(1, 2);  // (B, nh, T, hs)
  if (past_k != nullptr) {
    if (past_k->defined()) {
      k = torch::cat({*past_k, k}, 2);  // (B, nh, Tk, hs)
      v = torch::cat({*past_v, v}, 2);  // (B, nh, Tk, hs)
    }
    *past_k = k;
    *past_v = v;
  }
  const double dropout = is_training() ? dropout_ : 0.0;
  auto y = attend(q, k, v, allowed, dropout);  // (B, nh, T, hs)
  y = y.transpose(1, 2).contiguous().view({b, t, c});  // (B, T, C)
  y = c_proj_->forward(y);                             // (B, T, C)
  if (dropout > 0.0) y = torch::dropout(y, dropout, true);
  return y;
}

}  // namespace prefstudio
