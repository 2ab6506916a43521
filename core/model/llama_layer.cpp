// LlamaLayer: registered names input_layernorm, self_attn, post_attention_layernorm, mlp.
#include "core/model/llama_layer.h"

namespace prefstudio {

LlamaLayerImpl::LlamaLayerImpl(const GptConfig& config) {
  input_layernorm_ =
      register_module("input_layernorm", RmsNorm(config.n_embd, config.layer_norm_epsilon));
  self_attn_ = register_module("self_attn", LlamaAttention(config));
  post_attention_layernorm_ = register_module(
      "post_attention_layernorm", RmsNorm(config.n_embd, config.layer_norm_epsilon));
  mlp_ = register_module("mlp", LlamaMlp(config));
}

torch::Tensor LlamaLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                      const torch::Tensor& sin, const torch::Tensor& allowed,
                                      torch::Tensor* past_k, torch::Tensor* past_v) {
  auto h = x + self_attn_->forward(input_layernorm_->forward(x), cos, sin, allowed, past_k,
                                   past_v);                      // (B, T, C)
  return h + mlp_->forward(post_attention_layernorm_->forward(h));  // (B, T, C)
}

}  // namespace prefstudio
