// softmax(QK^T / sqrt(hs) + mask) V for both architectures' attention. On LibTorch 2.x the fused
// scaled_dot_product_attention kernel does the work (flash attention when the mask is plainly
// causal); on 1.13 the explicit form. Grouped-query attention is the caller's: k and v arrive with
// as many heads as q. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

namespace prefstudio {

// q (B, nh, T, hs), k and v (B, nh, Tk, hs) with Tk = T_past + T. `allowed` (B, 1, T, Tk) or
// (T, Tk) bool, true where a query may attend a key; undefined = plainly causal, bottom-right
// aligned (query i sees keys up to T_past + i). The caller's mask must let every query see at
// least one key. `dropout` applies to the attention weights. Returns (B, nh, T, hs).
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& allowed, double dropout);

}  // namespace prefstudio
