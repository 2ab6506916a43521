// Keys and values of every layer for incremental decoding, either architecture. Internal header of
// core (torch).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace prefstudio {

// k[i], v[i]: (B, n_kv_heads, T_past, head_dim) of layer i; GPT-2 has as many key/value heads as
// query heads, a grouped-query Llama fewer (the cache stays that small).
struct KvCache {
  std::vector<torch::Tensor> k;
  std::vector<torch::Tensor> v;
  int64_t length() const { return k.empty() || !k[0].defined() ? 0 : k[0].size(2); }
};

}  // namespace prefstudio
