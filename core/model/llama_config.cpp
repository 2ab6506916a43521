// GptConfig <-> Hugging Face config.json for the Llama architecture: model_type "llama"
// (LlamaConfig: SmolLM2, Llama 3) and "qwen2" (Qwen2Config: Qwen2.5, whose q, k and v projections
// always carry biases). What the engine does not compute is refused by name: another activation,
// a rope scaling type other than llama3, sliding-window attention switched on, attention dropout,
// quantized weights, layer types other than full attention. Keys that are off or irrelevant load.
#include "core/common/core_error.h"
#include "core/model/config_json.h"
#include "core/model/gpt_config.h"

namespace prefstudio {

namespace {

using namespace config_json;

[[noreturn]] void refuse(const std::string& key, const std::string& what) {
  throw ConfigError("config: '" + key + "' " + what);
}

// Llama 3.1's eos_token_id is a list (end of text, end of message, end of turn); the engine ends a
// completion at one id, the first. The tokenizer's end-of-turn token decides for chat models.
int64_t read_token_id(const nlohmann::json& json, const char* key, int64_t fallback) {
  auto found = json.find(key);
  if (found != json.end() && found->is_array()) {
    if (found->empty() || !(*found)[0].is_number_integer())
      refuse(key, "must be an integer or a list of integers, got " + found->dump());
    return (*found)[0].get<int64_t>();
  }
  return read_int(json, key, fallback);
}

RopeScaling read_rope_scaling(const nlohmann::json& json) {
  RopeScaling out;
  auto found = json.find("rope_scaling");
  if (found == json.end() || found->is_null()) return out;
  if (!found->is_object())
    refuse("rope_scaling", "must be an object or null, got " + found->dump());
  const auto& rs = *found;
  const std::string type = read_string(rs, "rope_type", read_string(rs, "type", "default"));
  if (type == "default") return out;
  if (type != "llama3")
    refuse("rope_scaling", "type \"" + type + "\" is not supported (supported: llama3)");
  out.type = "llama3";
  out.factor = read_double(rs, "factor", out.factor);
  out.low_freq_factor = read_double(rs, "low_freq_factor", out.low_freq_factor);
  out.high_freq_factor = read_double(rs, "high_freq_factor", out.high_freq_factor);
  out.original_max_position_embeddings =
      read_int(rs, "original_max_position_embeddings", out.original_max_position_embeddings);
  return out;
}

// Keys whose values would make transformers compute something this engine does not.
void check_supported_variant(const nlohmann::json& json, const std::string& model_type) {
  const std::string act = read_string(json, "hidden_act", "silu");
  if (act != "silu") refuse("hidden_act", "\"" + act + "\" is not supported (Llama uses \"silu\")");
  if (read_double(json, "attention_dropout", 0.0) != 0.0)
    refuse("attention_dropout", "must be 0 (attention dropout is not supported for Llama models)");
  if (read_flag(json, "use_sliding_window", false))
    refuse("use_sliding_window", "= true is not supported (sliding-window attention)");
  if (read_flag(json, "use_mrope", false)) refuse("use_mrope", "= true is not supported");
  if (json.contains("quantization_config") && !json["quantization_config"].is_null())
    refuse("quantization_config", "is set: quantized weights are not supported");
  auto layer_types = json.find("layer_types");
  if (layer_types != json.end() && layer_types->is_array()) {
    for (const auto& type : *layer_types)
      if (type != "full_attention")
        refuse("layer_types", "holds " + type.dump() + ": only \"full_attention\" is supported");
  }
  if (model_type == "qwen2" && json.contains("attention_bias"))
    refuse("attention_bias", "is not a Qwen2 key (Qwen2's q, k and v always carry biases)");
}

}  // namespace

void GptConfig::validate_llama() const {
  if (model_type != "llama" && model_type != "qwen2")
    throw ConfigError("config: 'model_type' \"" + model_type + "\" is not a Llama architecture");
  if (intermediate_size <= 0) throw ConfigError("config: 'intermediate_size' must be positive");
  if (n_kv_head < 0 || n_head % kv_heads() != 0)
    throw ConfigError("config: 'num_key_value_heads' (" + std::to_string(kv_heads()) +
                      ") must divide 'num_attention_heads' (" + std::to_string(n_head) + ")");
  if (head_dim_value == 0 && n_embd % n_head != 0)
    throw ConfigError("config: 'hidden_size' (" + std::to_string(n_embd) +
                      ") must divide by 'num_attention_heads' (" + std::to_string(n_head) +
                      ") when 'head_dim' is not given");
  if (head_dim() <= 0 || head_dim() % 2 != 0)
    throw ConfigError("config: 'head_dim' must be positive and even (rotary pairs), got " +
                      std::to_string(head_dim()));
  if (!(rope_theta > 0.0)) throw ConfigError("config: 'rope_theta' must be positive");
  if (!rope_scaling.type.empty() &&
      !(rope_scaling.factor > 0.0 && rope_scaling.low_freq_factor > 0.0 &&
        rope_scaling.high_freq_factor > rope_scaling.low_freq_factor &&
        rope_scaling.original_max_position_embeddings > 0))
    throw ConfigError(
        "config: 'rope_scaling' needs factor > 0, 0 < low_freq_factor < high_freq_factor and "
        "original_max_position_embeddings > 0");
  if (model_type == "qwen2" && (!qkv_bias || o_bias))
    throw ConfigError("config: Qwen2 has biases on q, k and v and none on o_proj");
  if (model_type == "llama" && qkv_bias != o_bias)
    throw ConfigError("config: Llama's 'attention_bias' puts biases on all of q, k, v and o_proj");
  if (dropout != 0.0) throw ConfigError("config: dropout is not supported for Llama models");
}

GptConfig llama_config_from_json(const nlohmann::json& json) {
  const std::string model_type = read_string(json, "model_type", "llama");
  check_supported_variant(json, model_type);
  GptConfig config;
  config.model_type = model_type;
  config.vocab_size = read_int(json, "vocab_size", kRequired);
  config.n_embd = read_int(json, "hidden_size", kRequired);
  config.intermediate_size = read_int(json, "intermediate_size", kRequired);
  config.n_layer = read_int(json, "num_hidden_layers", kRequired);
  config.n_head = read_int(json, "num_attention_heads", kRequired);
  config.n_kv_head = read_int(json, "num_key_value_heads", config.n_head);
  config.head_dim_value = read_int(json, "head_dim", 0);
  config.n_positions =
      read_int(json, "max_position_embeddings", model_type == "qwen2" ? 32768 : 2048);
  config.layer_norm_epsilon = read_double(json, "rms_norm_eps", 1e-6);
  config.rope_theta = read_double(json, "rope_theta", 10000.0);
  config.rope_scaling = read_rope_scaling(json);
  config.dropout = 0.0;
  if (model_type == "qwen2") {
    config.qkv_bias = true;
  } else {
    config.qkv_bias = config.o_bias = read_flag(json, "attention_bias", false);
    config.mlp_bias = read_flag(json, "mlp_bias", false);
  }
  // LlamaConfig and Qwen2Config default to an untied head; SmolLM2 and small Qwen2.5 tie it.
  config.tie_word_embeddings = read_flag(json, "tie_word_embeddings", false);
  config.eos_token_id = read_token_id(json, "eos_token_id", config.vocab_size - 1);
  config.bos_token_id = read_token_id(json, "bos_token_id", config.eos_token_id);
  config.tokenizer = read_string(json, "prefstudio_tokenizer", "hf-bpe");
  config.validate();
  return config;
}

nlohmann::json llama_config_to_json(const GptConfig& config) {
  const bool qwen2 = config.model_type == "qwen2";
  nlohmann::json json{
      {"model_type", config.model_type},
      {"architectures", {qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"}},
      {"vocab_size", config.vocab_size},
      {"hidden_size", config.n_embd},
      {"intermediate_size", config.intermediate_size},
      {"num_hidden_layers", config.n_layer},
      {"num_attention_heads", config.n_head},
      {"num_key_value_heads", config.kv_heads()},
      {"head_dim", config.head_dim()},
      {"max_position_embeddings", config.n_positions},
      {"rms_norm_eps", config.layer_norm_epsilon},
      {"rope_theta", config.rope_theta},
      {"rope_scaling", nullptr},
      {"hidden_act", "silu"},
      {"attention_dropout", 0.0},
      {"tie_word_embeddings", config.tie_word_embeddings},
      {"initializer_range", 0.02},
      {"use_cache", true},
      {"bos_token_id", config.bos_token_id},
      {"eos_token_id", config.eos_token_id},
      {"prefstudio_tokenizer", config.tokenizer},
  };
  if (qwen2) {
    json["use_sliding_window"] = false;
  } else {
    json["attention_bias"] = config.qkv_bias;
    json["mlp_bias"] = config.mlp_bias;
  }
  if (!config.rope_scaling.type.empty()) {
    json["rope_scaling"] = {
        {"rope_type", config.rope_scaling.type},
        {"factor", config.rope_scaling.factor},
        {"low_freq_factor", config.rope_scaling.low_freq_factor},
        {"high_freq_factor", config.rope_scaling.high_freq_factor},
        {"original_max_position_embeddings", config.rope_scaling.original_max_position_embeddings},
    };
  }
  return json;
}

}  // namespace prefstudio
