// What Gpt asks of an architecture's transformer: token embeddings in, final normalised hidden
// states out. GPT-2 (Gpt2Stack, registered as "transformer") and Llama (LlamaStack, "model") each
// implement it with Hugging Face's parameter names. Masks, positions and the unembedding are Gpt's.
// Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include "core/model/kv_cache.h"

namespace prefstudio {

class DecoderStack : public torch::nn::Module {
 public:
  // idx (B, T) token ids; pos (B, T) or (1, T) positions; `allowed` as attend() takes it
  // (core/model/attention_kernel.h); `cache` null or holding one entry per layer, extended in place.
  // Returns the hidden states after the final norm, (B, T, C).
  virtual torch::Tensor forward(const torch::Tensor& idx, const torch::Tensor& pos,
                                const torch::Tensor& allowed, KvCache* cache) = 0;
  // The token embedding matrix (V, C), which a tied head unembeds with.
  virtual torch::Tensor token_embedding() = 0;
  virtual size_t layer_count() const = 0;
  virtual void set_dropout(double p) = 0;
};

}  // namespace prefstudio
