// The shape of a causal language model, read from and written to Hugging Face's config.json. Two
// architectures: GPT-2 (model_type "gpt2": n_embd, n_layer, n_head, n_positions, ...) and Llama
// (model_type "llama" or "qwen2": hidden_size, num_hidden_layers, num_attention_heads,
// num_key_value_heads, rope_theta, ...; read by llama_config.cpp). The fields keep GPT-2's names;
// the Llama keys map onto them (hidden_size -> n_embd, max_position_embeddings -> n_positions,
// rms_norm_eps -> layer_norm_epsilon). Plain data; no torch.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace prefstudio {

// Llama 3's "rope_type": "llama3" frequency scaling (transformers' _compute_llama3_parameters).
struct RopeScaling {
  std::string type;  // "" = none, or "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct GptConfig {
  std::string model_type = "gpt2";  // "gpt2", "llama" or "qwen2"
  int64_t vocab_size = 50257;       // e.g. 50257 for GPT-2's BPE, 257 for the byte tokenizer
  int64_t n_positions = 1024;       // longest sequence, prompt plus completion, in tokens
  int64_t n_embd = 768;             // model width; must divide by n_head
  int64_t n_layer = 12;             // transformer blocks
  int64_t n_head = 12;              // attention heads per block
  double layer_norm_epsilon = 1e-5;
  double dropout = 0.0;          // embd/attn/resid dropout while training; 0 for fine-tuning
  int64_t eos_token_id = 50256;  // ends a completion; also the padding id (GPT-2 has no pad)
  int64_t bos_token_id = 50256;
  std::string tokenizer = "gpt2-bpe";  // "gpt2-bpe", "hf-bpe" or "byte": its tokenizer files

  // Llama architecture only (model_type llama or qwen2).
  int64_t intermediate_size = 0;  // SwiGLU width
  int64_t n_kv_head = 0;          // key/value heads (grouped-query attention); divides n_head
  int64_t head_dim_value = 0;     // config.json's head_dim; 0 = n_embd / n_head
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool qkv_bias = false;  // biases on q_proj, k_proj, v_proj (Qwen2; Llama's attention_bias)
  bool o_bias = false;    // a bias on o_proj (Llama's attention_bias; never Qwen2)
  bool mlp_bias = false;  // biases on gate_proj, up_proj, down_proj
  bool tie_word_embeddings = true;  // false: a separate lm_head.weight (GPT-2 is always tied)

  bool is_llama() const { return model_type != "gpt2"; }
  int64_t head_dim() const { return head_dim_value > 0 ? head_dim_value : n_embd / n_head; }
  int64_t kv_heads() const { return n_kv_head > 0 ? n_kv_head : n_head; }
  // Throws ConfigError naming the field that is out of range.
  void validate() const;
  void validate_llama() const;  // the Llama fields' part of validate() (llama_config.cpp)
  // Parameters of the model (a tied head counted once), the count Hugging Face reports.
  int64_t parameter_count() const;
};

// Hugging Face config.json <-> GptConfig, either architecture (model_type picks; absent = gpt2).
// Unknown keys are ignored on read; from_json throws ConfigError naming the key when a required one
// is missing or mistyped, or when a known one asks for a model this engine does not compute (e.g.
// another activation, a rope scaling type other than llama3, use_sliding_window true).
nlohmann::json to_json(const GptConfig& config);
GptConfig gpt_config_from_json(const nlohmann::json& json);

// The Llama half of the above (llama_config.cpp); gpt_config_from_json and to_json call them.
GptConfig llama_config_from_json(const nlohmann::json& json);
nlohmann::json llama_config_to_json(const GptConfig& config);

}  // namespace prefstudio
