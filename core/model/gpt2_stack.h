// GPT-2's transformer, the "transformer" submodule of Hugging Face's GPT2LMHeadModel: wte, wpe,
// h.N (pre-LayerNorm blocks), ln_f. Learned absolute positions. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/model/block.h"
#include "core/model/decoder_stack.h"
#include "core/model/gpt_config.h"

namespace prefstudio {

class Gpt2Stack : public DecoderStack {
 public:
  explicit Gpt2Stack(const GptConfig& config);
  torch::Tensor forward(const torch::Tensor& idx, const torch::Tensor& pos,
                        const torch::Tensor& allowed, KvCache* cache) override;
  torch::Tensor token_embedding() override { return wte_->weight; }
  size_t layer_count() const override { return layers_.size(); }
  void set_dropout(double p) override;

 private:
  double dropout_;
  torch::nn::Embedding wte_{nullptr};
  torch::nn::Embedding wpe_{nullptr};
  std::vector<Block> layers_;  // registered as h.0, h.1, ...
  torch::nn::LayerNorm ln_f_{nullptr};
};

}  // namespace prefstudio
