// LlamaAttention: project, rotate, cache, share key/value heads, attend(), project back.
#include "core/model/llama_attention.h"

#include "core/model/attention_kernel.h"
#include "core/model/rotary_embedding.h"

namespace prefstudio {

namespace {

torch::nn::Linear linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

// (B, n_kv, Tk, hs) -> (B, n_kv * n_rep, Tk, hs): query head h reads key/value head h / n_rep.
torch::Tensor repeat_kv(const torch::Tensor& x, int64_t n_rep) {
  if (n_rep == 1) return x;
  const int64_t b = x.size(0), kv = x.size(1), t = x.size(2), hs = x.size(3);
  return x.unsqueeze(2).expand({b, kv, n_rep, t, hs}).reshape({b, kv * n_rep, t, hs});
}

}  // namespace

LlamaAttentionImpl::LlamaAttentionImpl(const GptConfig& config)
    : n_head_(config.n_head), n_kv_head_(config.kv_heads()), head_dim_(config.head_dim()) {
  const int64_t c = config.n_embd, q = n_head_ * head_dim_, kv = n_kv_head_ * head_dim_;
  q_proj_ = register_module("q_proj", linear(c, q, config.qkv_bias));
  k_proj_ = register_module("k_proj", linear(c, kv, config.qkv_bias));
  v_proj_ = register_module("v_proj", linear(c, kv, config.qkv_bias));
  o_proj_ = register_module("o_proj", linear(q, c, config.o_bias));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                          const torch::Tensor& sin, const torch::Tensor& allowed,
                                          torch::Tensor* past_k, torch::Tensor* past_v) {
  // B batch, T new tokens, nh query heads, kv key/value heads, hs head size, Tk = T_past + T.
  const int64_t b = x.size(0), t = x.size(1);
  auto q = q_proj_->forward(x).view({b, t, n_head_, head_dim_}).transpose(1, 2);     // (B, nh, T, hs)
  auto k = k_proj_->forward(x).view({b, t, n_kv_head_, head_dim_}).transpose(1, 2);  // (B, kv, T, hs)
  auto v = v_proj_->forward(x).view({b, t, n_kv_head_, head_dim_}).transpose(1, 2);  // (B, kv, T, hs)
  q = RotaryEmbedding::apply(q, cos, sin);
  k = RotaryEmbedding::apply(k, cos, sin);
  if (past_k != nullptr) {
    if (past_k->defined()) {
      k = torch::cat({*past_k, k}, 2);  // (B, kv, Tk, hs)
      v = torch::cat({*past_v, v}, 2);  // (B, kv, Tk, hs)
    }
    *past_k = k;
    *past_v = v;
  }
  const int64_t n_rep = n_head_ / n_kv_head_;
  auto y = attend(q, repeat_kv(k, n_rep), repeat_kv(v, n_rep), allowed, 0.0);  // (B, nh, T, hs)
  y = y.transpose(1, 2).contiguous().view({b, t, n_head_ * head_dim_});       // (B, T, nh * hs)
  return o_proj_->forward(y);                                                    // (B, T, C)
}

}  // namespace prefstudio
