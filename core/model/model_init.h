// A freshly initialised GPT-2, Llama or Qwen2 written as a checkpoint folder: what
// `prefstudio-cli model init` and the demo's small model start from. Torch-free public header of
// core.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/model/gpt_config.h"

namespace prefstudio {

struct ModelInitResult {
  GptConfig config;             // as written to config.json
  int64_t parameter_count = 0;  // with tied embeddings
  std::string content_hash;     // of the written model.safetensors
};

// `spec` holds Hugging Face config keys: GPT-2's (n_embd, n_layer, n_head, n_positions, ...), or
// with "model_type" "llama" or "qwen2" theirs (hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads, max_position_embeddings, ...; docs/models.md), plus
//   "tokenizer": "byte", or a folder with tokenizer files (relative paths are taken from
//                `base_dir`, normally the spec file's folder), e.g.
//                resources/gpt2-tokenizer
//   "seed":      integer, default 0; the same seed gives the same weights and the same hash.
// vocab_size, eos_token_id and bos_token_id default to the tokenizer's. Weights drawn as GPT-2
// draws them (normal(0, 0.02), norms 1, biases 0; see GptImpl::init_weights). Writes `out_dir`
// with save_checkpoint (temp folder + rename).
// Throws ConfigError naming `source` and the field for a bad spec, FormatError for an unreadable
// tokenizer folder or a failed write.
ModelInitResult init_model_checkpoint(const nlohmann::json& spec, const std::string& out_dir,
                                      const std::string& source = "config",
                                      const std::string& base_dir = ".");

}  // namespace prefstudio
