// GPT-2 in LibTorch, nanoGPT-style, with Hugging Face's parameter names so checkpoints load by name:
// transformer.wte, transformer.wpe, transformer.h.N.{ln_1,attn.c_attn,attn.c_proj,ln_2,mlp.c_fc,
// mlp.c_proj}, transformer.ln_f; lm_head is tied to wte. Our Linear weights are stored (out, in);
// the safetensors loader transposes HF's Conv1D (in, out) on the way in and out.
// Internal header of core (includes torch): never include it from ui/ or app/.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/model/decoder_stack.h"
#include "core/model/gpt_config.h"
#include "core/model/kv_cache.h"

namespace prefstudio {

// Inputs of one forward pass. Padding may be on either side: `attention_mask` says which tokens are
// real, and positions count real tokens only (as Hugging Face computes position_ids from the mask).
struct GptInput {
  torch::Tensor idx;             // (B, T) int64 token ids
  torch::Tensor attention_mask;  // (B, T_past + T) 1 = real token, 0 = padding; undefined = all real
  torch::Tensor position_ids;    // (B, T) int64; undefined = derived from attention_mask / T_past
};

class GptImpl : public torch::nn::Module {
 public:
  explicit GptImpl(const GptConfig& config);

  // Final hidden states after the last norm: (B, T, C). With `cache`, appends this step's keys and
  // values and attends over past + present.
  torch::Tensor forward_hidden(const GptInput& input, KvCache* cache = nullptr);
  // Unembedding with the tied token embedding or the untied lm_head: (B, T, C) -> (B, T, V).
  torch::Tensor lm_logits(const torch::Tensor& hidden);
  // Shorthand: idx (B, T), no padding, no cache -> logits (B, T, V).
  torch::Tensor forward(const torch::Tensor& idx);

  const GptConfig& config() const { return config_; }
  // Changes the dropout rate of every block (e.g. 0 for fine-tuning a checkpoint whose config.json
  // says 0.1); also stored in config().dropout so a saved checkpoint records it.
  void set_dropout(double p);
  // Re-draws every parameter as Hugging Face initialises the architecture: normal(0, 0.02), GPT-2's
  // c_proj weights normal(0, 0.02 / sqrt(2 * n_layer)), zero biases, norm weights 1. The
  // constructor calls it; the draws come from torch's global generator, so torch::manual_seed
  // makes them repeatable.
  void init_weights();

 private:
  GptConfig config_;
  std::shared_ptr<DecoderStack> stack_;  // "transformer" (GPT-2) or "model" (Llama)
  torch::nn::Linear lm_head_{nullptr};   // an untied Llama head only
};
TORCH_MODULE(Gpt);

// A scalar read-out for the reward model and the value function: Linear(n_embd, 1) applied at the
// last real token of each row (left or right padding alike). Registered as "score" like HF's
// GPT2ForSequenceClassification.
class ScalarHeadImpl : public torch::nn::Module {
 public:
  explicit ScalarHeadImpl(int64_t n_embd);
  // hidden (B, T, C), attention_mask (B, T) -> (B) the score at each row's last real token.
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& attention_mask);
  // hidden (B, T, C) -> (B, T) a score per position (the value function of PPO).
  torch::Tensor per_token(const torch::Tensor& hidden);

 private:
  torch::nn::Linear score_{nullptr};
};
TORCH_MODULE(ScalarHead);

// Summed log-probability of each row's completion tokens given what precedes them.
// logits (B, T, V) predicting idx shifted by one; targets_mask (B, T) 1 on completion tokens.
// Returns (B) sums and, via per_token if given, (B, T-1) per-token log-probs (0 off the mask).
torch::Tensor sequence_logprobs(const torch::Tensor& logits, const torch::Tensor& idx,
                                const torch::Tensor& targets_mask,
                                torch::Tensor* per_token = nullptr);

}  // namespace prefstudio
