// RotaryEmbedding: frequencies (with transformers' _compute_llama3_parameters rule) and rotation.
#include "core/model/rotary_embedding.h"

#include <cmath>

namespace prefstudio {

namespace {

// Llama 3's scaling: wavelengths longer than original_context / low_freq_factor are slowed down by
// `factor`, those shorter than original_context / high_freq_factor are kept, and the band between
// is blended linearly in original_context / wavelength.
torch::Tensor llama3_scaled(const torch::Tensor& inv_freq, const RopeScaling& scaling) {
  const double old_context = double(scaling.original_max_position_embeddings);
  const double low_wavelen = old_context / scaling.low_freq_factor;
  const double high_wavelen = old_context / scaling.high_freq_factor;
  auto wavelen = 2.0 * M_PI / inv_freq;
  auto scaled = torch::where(wavelen > low_wavelen, inv_freq / scaling.factor, inv_freq);
  auto smooth = (old_context / wavelen - scaling.low_freq_factor) /
                (scaling.high_freq_factor - scaling.low_freq_factor);
  auto blended = (1.0 - smooth) * scaled / scaling.factor + smooth * scaled;
  auto medium = wavelen.ge(high_wavelen).logical_and(wavelen.le(low_wavelen));
  return torch::where(medium, blended, scaled);
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(const GptConfig& config) {
  const int64_t dim = config.head_dim();
  auto exponents = torch::arange(0, dim, 2, torch::kLong).to(torch::kFloat) / double(dim);
  inv_freq_ = 1.0 / torch::pow(config.rope_theta, exponents);  // (dim / 2) float32
  if (config.rope_scaling.type == "llama3") inv_freq_ = llama3_scaled(inv_freq_, config.rope_scaling);
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbedding::cos_sin(const torch::Tensor& position_ids,
                                                                 torch::ScalarType dtype) const {
  auto inv_freq = inv_freq_.to(position_ids.device());                         // (d/2)
  auto freqs = position_ids.to(torch::kFloat).unsqueeze(-1) * inv_freq;        // (B, T, d/2)
  auto angles = torch::cat({freqs, freqs}, -1).unsqueeze(1);                   // (B, 1, T, d)
  return {angles.cos().to(dtype), angles.sin().to(dtype)};
}

torch::Tensor RotaryEmbedding::apply(const torch::Tensor& x, const torch::Tensor& cos,
                                     const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);  // rotate half
  return x * cos + rotated * sin;  // (B, heads, T, d)
}

}  // namespace prefstudio
