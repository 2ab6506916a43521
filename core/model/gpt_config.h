// The shape of a GPT-2-family model, read from and written to Hugging Face's config.json
// (model_type "gpt2": n_embd, n_layer, n_head, n_positions, vocab_size, layer_norm_epsilon, ...).
// Plain data; no torch.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace prefstudio {

struct GptConfig {
  int64_t vocab_size = 50257;      // e.g. 50257 for GPT-2's BPE, 257 for the byte tokenizer
  int64_t n_positions = 1024;      // longest sequence, prompt plus completion, in tokens
  int64_t n_embd = 768;            // model width; must divide by n_head
  int64_t n_layer = 12;            // transformer blocks
  int64_t n_head = 12;             // attention heads per block
  double layer_norm_epsilon = 1e-5;
  double dropout = 0.0;            // embd/attn/resid dropout while training; 0 for fine-tuning
  int64_t eos_token_id = 50256;    // ends a completion; also the padding id (GPT-2 has no pad)
  int64_t bos_token_id = 50256;
  std::string tokenizer = "gpt2-bpe";  // "gpt2-bpe" or "byte": which tokenizer files go with it

  int64_t head_dim() const { return n_embd / n_head; }
  // Throws ConfigError naming the field that is out of range.
  void validate() const;
  // Parameters of the model with tied embeddings, the count Hugging Face reports.
  int64_t parameter_count() const;
};

// Hugging Face config.json <-> GptConfig. Unknown keys are ignored on read; from_json throws
// ConfigError naming the key when a required one is missing or mistyped, or when a known one asks
// for a model this engine does not compute (e.g. tie_word_embeddings false, another activation).
nlohmann::json to_json(const GptConfig& config);
GptConfig gpt_config_from_json(const nlohmann::json& json);

}  // namespace prefstudio
