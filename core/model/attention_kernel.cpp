// attend(): the fused kernel on LibTorch 2.x, the explicit softmax on 1.13. Both paths compile
// against either version.
#include "core/model/attention_kernel.h"

#include <torch/version.h>

#include <cmath>

namespace prefstudio {

namespace {

#if TORCH_VERSION_MAJOR < 2
// softmax(QK^T / sqrt(hs)) V with masked scores set to a large negative number. The caller's mask
// always lets a query see at least itself, so no row is fully masked and no NaN can appear.
torch::Tensor plain_attention(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& allowed,
                              double dropout) {
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
  if (dropout > 0.0) att = torch::dropout(att, dropout, true);
  return torch::matmul(att, v);  // (B, nh, T, hs)
}
#endif

}  // namespace

torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& allowed, double dropout) {
#if TORCH_VERSION_MAJOR >= 2
  const int64_t t = q.size(2), t_keys = k.size(2);
  if (allowed.defined())
    return torch::scaled_dot_product_attention(q, k, v, allowed, dropout, false);
  if (t_keys == t) return torch::scaled_dot_product_attention(q, k, v, {}, dropout, true);
  // is_causal aligns the mask top-left; with a past it must be bottom-right, so spell it out.
  auto mask = torch::ones({t, t_keys}, q.options().dtype(torch::kBool)).tril(t_keys - t);
  return torch::scaled_dot_product_attention(q, k, v, mask, dropout, false);  // (B, nh, T, hs)
#else
  return plain_attention(q, k, v, allowed, dropout);  // (B, nh, T, hs)
#endif
}

}  // namespace prefstudio
