// Gpt2Stack: embeddings plus learned positions, the blocks, ln_f.
#include "core/model/gpt2_stack.h"

namespace prefstudio {

Gpt2Stack::Gpt2Stack(const GptConfig& config) : dropout_(config.dropout) {
  wte_ = register_module("wte", torch::nn::Embedding(config.vocab_size, config.n_embd));
  wpe_ = register_module("wpe", torch::nn::Embedding(config.n_positions, config.n_embd));
  auto h = register_module("h", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.n_layer; ++i) {
    layers_.push_back(Block(config));
    h->push_back(layers_.back());
  }
  ln_f_ = register_module(
      "ln_f", torch::nn::LayerNorm(
                  torch::nn::LayerNormOptions({config.n_embd}).eps(config.layer_norm_epsilon)));
}

torch::Tensor Gpt2Stack::forward(const torch::Tensor& idx, const torch::Tensor& pos,
                                 const torch::Tensor& allowed, KvCache* cache) {
  auto x = wte_->forward(idx) + wpe_->forward(pos);  // (B, T, C)
  if (dropout_ > 0.0 && is_training()) x = torch::dropout(x, dropout_, true);
  for (size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i]->forward(x, allowed, cache ? &cache->k[i] : nullptr,
                            cache ? &cache->v[i] : nullptr);  // (B, T, C)
  }
  return ln_f_->forward(x);  // (B, T, C)
}

void Gpt2Stack::set_dropout(double p) {
  dropout_ = p;
  for (auto& block : layers_) block->set_dropout(p);
}

}  // namespace prefstudio
