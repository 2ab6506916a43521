// LlamaStack: embeddings, rotary angles once for all layers, the layers, the final RMSNorm.
#include "core/model/llama_stack.h"

namespace prefstudio {

LlamaStack::LlamaStack(const GptConfig& config) : rotary_(config) {
  embed_tokens_ =
      register_module("embed_tokens", torch::nn::Embedding(config.vocab_size, config.n_embd));
  auto layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.n_layer; ++i) {
    layers_.push_back(LlamaLayer(config));
    layers->push_back(layers_.back());
  }
  norm_ = register_module("norm", RmsNorm(config.n_embd, config.layer_norm_epsilon));
}

torch::Tensor LlamaStack::forward(const torch::Tensor& idx, const torch::Tensor& pos,
                                  const torch::Tensor& allowed, KvCache* cache) {
  auto x = embed_tokens_->forward(idx);                          // (B, T, C)
  auto [cos, sin] = rotary_.cos_sin(pos, x.scalar_type());       // (B, 1, T, hs) each
  for (size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i]->forward(x, cos, sin, allowed, cache ? &cache->k[i] : nullptr,
                            cache ? &cache->v[i] : nullptr);     // (B, T, C)
  }
  return norm_->forward(x);  // (B, T, C)
}

}  // namespace prefstudio
