// Rotary position embedding (RoFormer) as Hugging Face's Llama computes it: inverse frequencies
// theta^(-2i/d) for i < d/2, optionally rescaled by Llama 3's rule (low frequencies divided by
// `factor`, high ones kept, a smooth blend between), angles = position * frequency in float32, and
// the "rotate half" pairing (dimension i with i + d/2). Not a module: it has no parameters.
// Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <utility>

#include "core/model/gpt_config.h"

namespace prefstudio {

class RotaryEmbedding {
 public:
  explicit RotaryEmbedding(const GptConfig& config);

  // position_ids (B, T) or (1, T) -> cos and sin, each (B or 1, 1, T, head_dim), in `dtype`.
  std::pair<torch::Tensor, torch::Tensor> cos_sin(const torch::Tensor& position_ids,
                                                  torch::ScalarType dtype) const;
  // x (B, heads, T, head_dim) rotated by the angles cos_sin gave.
  static torch::Tensor apply(const torch::Tensor& x, const torch::Tensor& cos,
                             const torch::Tensor& sin);
  const torch::Tensor& inverse_frequencies() const { return inv_freq_; }  // (head_dim / 2) float32

 private:
  torch::Tensor inv_freq_;
};

}  // namespace prefstudio
