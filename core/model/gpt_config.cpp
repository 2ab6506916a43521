// GptConfig <-> Hugging Face config.json (model_type "gpt2"), and its range checks. Only the GPT-2
// variant we implement is accepted: gelu_new activation, 4 * n_embd MLP, plain attention scaling,
// lm_head tied to wte, one dropout rate; configs asking for something else are refused rather than
// silently computed differently.
#include "core/model/gpt_config.h"

#include "core/common/core_error.h"
#include "core/model/config_json.h"

namespace prefstudio {

namespace {

using namespace config_json;

// Keys whose other values would change the computation: refuse them instead of ignoring them.
void check_supported_variant(const nlohmann::json& json) {
  auto activation = json.find("activation_function");
  if (activation != json.end() && *activation != "gelu_new" && *activation != "gelu_pytorch_tanh")
    throw ConfigError("config: 'activation_function' " + activation->dump() +
                      " is not supported (GPT-2 uses \"gelu_new\")");
  // Compared as n_inner / 4 == n_embd: 4 * n_embd overflows int64 for a huge n_embd.
  auto n_inner = json.find("n_inner");
  if (n_inner != json.end() && !n_inner->is_null() &&
      (!n_inner->is_number_integer() || n_inner->get<int64_t>() % 4 != 0 ||
       n_inner->get<int64_t>() / 4 != read_int(json, "n_embd", 0)))
    throw ConfigError("config: 'n_inner' " + n_inner->dump() +
                      " is not supported (must be 4 * n_embd)");
  for (const char* key :
       {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "add_cross_attention"}) {
    if (read_flag(json, key, false))
      throw ConfigError(std::string("config: '") + key + "' = true is not supported");
  }
  if (!read_flag(json, "scale_attn_weights", true))
    throw ConfigError("config: 'scale_attn_weights' = false is not supported");
  // The model unembeds with wte; an untied lm_head would be ignored and the logits wrong.
  if (!read_flag(json, "tie_word_embeddings", true))
    throw ConfigError(
        "config: 'tie_word_embeddings' = false is not supported (untied lm_head weights are not "
        "supported yet)");
  // One dropout rate for embeddings, attention and residuals (GPT-2 sets the three equal).
  const double dropout = read_double(json, "resid_pdrop", GptConfig{}.dropout);
  for (const char* key : {"embd_pdrop", "attn_pdrop"}) {
    if (read_double(json, key, dropout) != dropout)
      throw ConfigError(std::string("config: '") + key + "' " + json[key].dump() +
                        " differs from 'resid_pdrop' " + std::to_string(dropout) +
                        ": one dropout rate is supported");
  }
}

}  // namespace

void GptConfig::validate() const {
  auto positive = [](int64_t value, const char* field) {
    if (value <= 0)
      throw ConfigError(std::string("config: '") + field + "' must be positive, got " +
                        std::to_string(value));
  };
  positive(vocab_size, "vocab_size");
  positive(n_positions, "n_positions");
  positive(n_embd, "n_embd");
  positive(n_layer, "n_layer");
  positive(n_head, "n_head");
  if (is_llama()) {
    validate_llama();
  } else if (n_embd % n_head != 0)
    throw ConfigError("config: 'n_embd' (" + std::to_string(n_embd) +
                      ") must divide by 'n_head' (" + std::to_string(n_head) + ")");
  if (!(layer_norm_epsilon > 0.0))
    throw ConfigError("config: 'layer_norm_epsilon' must be positive");
  if (!(dropout >= 0.0 && dropout < 1.0)) throw ConfigError("config: 'dropout' must be in [0, 1)");
  if (eos_token_id < 0 || eos_token_id >= vocab_size)
    throw ConfigError("config: 'eos_token_id' " + std::to_string(eos_token_id) +
                      " outside the vocabulary of " + std::to_string(vocab_size));
  if (bos_token_id < 0 || bos_token_id >= vocab_size)
    throw ConfigError("config: 'bos_token_id' " + std::to_string(bos_token_id) +
                      " outside the vocabulary of " + std::to_string(vocab_size));
  if (tokenizer != "gpt2-bpe" && tokenizer != "hf-bpe" && tokenizer != "byte")
    throw ConfigError(
        "config: 'prefstudio_tokenizer' must be \"gpt2-bpe\", \"hf-bpe\" or \"byte\", got \"" +
        tokenizer + "\"");
}

int64_t GptConfig::parameter_count() const {
  const int64_t c = n_embd;
  if (is_llama()) {
    const int64_t q = n_head * head_dim(), kv = kv_heads() * head_dim(), i = intermediate_size;
    const int64_t per_layer = 2 * c                                             // the two RMSNorms
                              + c * (q + 2 * kv) + q * c                        // q, k, v, o
                              + (qkv_bias ? q + 2 * kv : 0) + (o_bias ? c : 0)  //
                              + 3 * c * i + (mlp_bias ? 2 * i + c : 0);         // gate, up, down
    return vocab_size * c * (tie_word_embeddings ? 1 : 2) + n_layer * per_layer + c;
  }
  const int64_t per_layer = 2 * 2 * c                                     // ln_1, ln_2
                            + c * 3 * c + 3 * c                           // attn.c_attn
                            + c * c + c                                   // attn.c_proj
                            + c * 4 * c + 4 * c                           // mlp.c_fc
                            + 4 * c * c + c;                              // mlp.c_proj
  return vocab_size * c + n_positions * c + n_layer * per_layer + 2 * c;  // wte, wpe, blocks, ln_f
}

nlohmann::json to_json(const GptConfig& config) {
  if (config.is_llama()) return llama_config_to_json(config);
  // The keys Hugging Face's GPT2Config writes, so transformers loads the folder unchanged.
  return nlohmann::json{
      {"model_type", "gpt2"},
      {"architectures", {"GPT2LMHeadModel"}},
      {"vocab_size", config.vocab_size},
      {"n_positions", config.n_positions},
      {"n_ctx", config.n_positions},
      {"n_embd", config.n_embd},
      {"n_layer", config.n_layer},
      {"n_head", config.n_head},
      {"n_inner", nullptr},
      {"activation_function", "gelu_new"},
      {"layer_norm_epsilon", config.layer_norm_epsilon},
      {"resid_pdrop", config.dropout},
      {"embd_pdrop", config.dropout},
      {"attn_pdrop", config.dropout},
      {"initializer_range", 0.02},
      {"scale_attn_weights", true},
      {"use_cache", true},
      {"tie_word_embeddings", true},
      {"eos_token_id", config.eos_token_id},
      {"bos_token_id", config.bos_token_id},
      {"prefstudio_tokenizer", config.tokenizer},
  };
}

GptConfig gpt_config_from_json(const nlohmann::json& json) {
  if (!json.is_object()) throw ConfigError("config: expected a JSON object");
  const std::string model_type = read_string(json, "model_type", "gpt2");
  if (model_type == "llama" || model_type == "qwen2") return llama_config_from_json(json);
  if (model_type != "gpt2")
    throw ConfigError("config: 'model_type' is \"" + model_type +
                      "\"; supported: \"gpt2\", \"llama\", \"qwen2\"");
  check_supported_variant(json);
  GptConfig config;
  config.vocab_size = read_int(json, "vocab_size", kRequired);
  config.n_embd = read_int(json, "n_embd", kRequired);
  config.n_layer = read_int(json, "n_layer", kRequired);
  config.n_head = read_int(json, "n_head", kRequired);
  config.n_positions = read_int(json, "n_positions", read_int(json, "n_ctx", config.n_positions));
  config.layer_norm_epsilon = read_double(json, "layer_norm_epsilon", config.layer_norm_epsilon);
  // HF has three dropout rates; GPT-2 sets them equal, and we use one.
  config.dropout = read_double(json, "resid_pdrop", config.dropout);
  config.eos_token_id = read_int(json, "eos_token_id", config.eos_token_id);
  config.bos_token_id = read_int(json, "bos_token_id", config.bos_token_id);
  auto tokenizer = json.find("prefstudio_tokenizer");
  if (tokenizer != json.end()) {
    if (!tokenizer->is_string())
      throw ConfigError("config: 'prefstudio_tokenizer' must be a string, got " +
                        tokenizer->dump());
    config.tokenizer = tokenizer->get<std::string>();
  }
  // A config for a small vocabulary without our key: GPT-2's default ids would not exist.
  if (json.find("eos_token_id") == json.end() && config.eos_token_id >= config.vocab_size)
    config.eos_token_id = config.vocab_size - 1;
  if (json.find("bos_token_id") == json.end() && config.bos_token_id >= config.vocab_size)
    config.bos_token_id = config.vocab_size - 1;
  config.validate();
  return config;
}

}  // namespace prefstudio
