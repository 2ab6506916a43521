// The Llama transformer, the "model" submodule of Hugging Face's LlamaForCausalLM and
// Qwen2ForCausalLM: embed_tokens, layers.N, norm; rotary positions (no position table). The
// untied lm_head, when there is one, belongs to Gpt. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/model/decoder_stack.h"
#include "core/model/gpt_config.h"
#include "core/model/llama_layer.h"
#include "core/model/rms_norm.h"
#include "core/model/rotary_embedding.h"

namespace prefstudio {

class LlamaStack : public DecoderStack {
 public:
  explicit LlamaStack(const GptConfig& config);
  torch::Tensor forward(const torch::Tensor& idx, const torch::Tensor& pos,
                        const torch::Tensor& allowed, KvCache* cache) override;
  torch::Tensor token_embedding() override { return embed_tokens_->weight; }
  size_t layer_count() const override { return layers_.size(); }
  void set_dropout(double p) override {}  // validate() refuses dropout for Llama models

 private:
  RotaryEmbedding rotary_;
  torch::nn::Embedding embed_tokens_{nullptr};
  std::vector<LlamaLayer> layers_;  // registered as layers.0, layers.1, ...
  RmsNorm norm_{nullptr};
};

}  // namespace prefstudio
