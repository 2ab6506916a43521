// Attention of one GPT-2 block. On LibTorch 2.x the fused scaled_dot_product_attention kernel does
// the work (flash attention when the mask is plainly causal); on 1.13 the explicit
// softmax(QK^T / sqrt(hs) + mask) V. Both paths compile against either version.
#include "core/model/causal_self_attention.h"

#include <torch/version.h>

#include <cmath>

namespace prefstudio {

namespace {

#if TORCH_VERSION_MAJOR < 2
// softmax(QK^T / sqrt(hs)) V with masked scores set to a large negative number. The caller's mask
// always lets a query see at least itself, so no row is fully masked and no NaN can appear.
torch::Tensor plain_attention(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& allowed, double dropout,
                              bool training) {
  const int64_t t = q.size(2), t_keys = k.size(2);
  // Scaling q (T x hs) is cheaper than scaling the scores (T x Tk).
  auto scaled_q = q * (1.0 / std::sqrt(double(q.size(-1))));  // (B, nh, T, hs)
  auto att = torch::matmul(scaled_q, k.transpose(-2, -1));    // (B, nh, T, Tk)
  torch::Tensor mask = allowed;
  if (!mask.defined())  // (T, Tk): key j visible to query i when j <= i + T_past
    mask = torch::ones({t, t_keys}, q.options().dtype(torch::kBool)).tril(t_keys - t);
  // Finite, so even a row with nothing visible would give a uniform softmax instead of NaN.
  const double lowest = q.scalar_type() == torch::kHalf ? -65504.0 : -1e30;
  att.masked_fill_(mask.logical_not(), lowest);  // in place: matmul's backward does not need att
  att = torch::softmax(att, -1);                 // (B, nh, T, Tk)
  if (dropout > 0.0 && training) att = torch::dropout(att, dropout, training);
  return torch::matmul(att, v);  // (B, nh, T, hs)
}
#endif

}  // namespace

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
#if TORCH_VERSION_MAJOR >= 2
  torch::Tensor y;
  if (allowed.defined()) {
    y = torch::scaled_dot_product_attention(q, k, v, allowed, dropout, false);  // (B, nh, T, hs)
  } else if (k.size(2) == t) {
    y = torch::scaled_dot_product_attention(q, k, v, {}, dropout, true);  // (B, nh, T, hs)
  } else {
    // is_causal aligns the mask top-left; with a past it must be bottom-right, so spell it out.
    auto mask = torch::ones({t, k.size(2)}, q.options().dtype(torch::kBool)).tril(k.size(2) - t);
    y = torch::scaled_dot_product_attention(q, k, v, mask, dropout, false);  // (B, nh, T, hs)
  }
#else
  auto y = plain_attention(q, k, v, allowed, dropout, is_training());  // (B, nh, T, hs)
#endif
  y = y.transpose(1, 2).contiguous().view({b, t, c});  // (B, T, C)
  y = c_proj_->forward(y);                             // (B, T, C)
  if (dropout > 0.0) y = torch::dropout(y, dropout, true);
  return y;
}

}  // namespace prefstudio
