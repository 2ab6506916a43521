// Llama-family config.json: the hub's own configs (SmolLM2-135M, Qwen2.5-0.5B, Llama-3.2-1B) load
// with their published parameter counts; every value that would change the computation and that
// the engine does not implement is refused by name, in memory and when a checkpoint folder loads;
// values that are off or irrelevant load.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "core/common/core_error.h"
#include "core/model/checkpoint.h"
#include "core/model/gpt_config.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
using nlohmann::json;

namespace {

// config.json of HuggingFaceTB/SmolLM2-135M (the keys that matter, values as published).
json smollm2_135m() {
  return json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": false,
    "attention_dropout": 0.0, "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "silu",
    "hidden_size": 576, "initializer_range": 0.041666666666666664, "intermediate_size": 1536,
    "is_llama_config": true, "max_position_embeddings": 8192, "mlp_bias": false,
    "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3,
    "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_interleaved": false, "rope_scaling": null,
    "rope_theta": 100000, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
    "transformers_version": "4.40.1", "use_cache": true, "vocab_size": 49152})");
}

// config.json of Qwen/Qwen2.5-0.5B-Instruct.
json qwen25_05b() {
  return json::parse(R"({
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_dropout": 0.0,
    "bos_token_id": 151643, "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896,
    "initializer_range": 0.02, "intermediate_size": 4864, "max_position_embeddings": 32768,
    "max_window_layers": 21, "num_attention_heads": 14, "num_hidden_layers": 24,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
    "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
    "transformers_version": "4.43.1", "use_cache": true, "use_sliding_window": false,
    "vocab_size": 151936})");
}

// config.json of meta-llama/Llama-3.2-1B-Instruct: Llama 3's rope scaling, eos as a list.
json llama32_1b() {
  return json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": false,
    "attention_dropout": 0.0, "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009],
    "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
    "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
    "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
    "pretraining_tp": 1, "rms_norm_eps": 1e-05,
    "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
    "transformers_version": "4.45.0.dev0", "use_cache": true, "vocab_size": 128256})");
}

json with(json config, const std::string& key, json value) {
  config[key] = std::move(value);
  return config;
}

void expect_refused(const json& config, const std::string& key, const std::string& words) {
  try {
    gpt_config_from_json(config);
    FAIL() << "accepted " << key << " = " << config[key].dump();
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(key), std::string::npos) << message;
    EXPECT_NE(message.find(words), std::string::npos)
        << "expected \"" << words << "\" in " << message;
  }
}

}  // namespace

TEST(LlamaConfig, HubConfigsLoadWithTheirPublishedParameterCounts) {
  const GptConfig smol = gpt_config_from_json(smollm2_135m());
  EXPECT_TRUE(smol.is_llama());
  EXPECT_EQ(smol.kv_heads(), 3);
  EXPECT_EQ(smol.head_dim(), 64);
  EXPECT_TRUE(smol.tie_word_embeddings);
  EXPECT_EQ(smol.parameter_count(), 134'515'008);  // "134.5M" on the hub

  const GptConfig qwen = gpt_config_from_json(qwen25_05b());
  EXPECT_EQ(qwen.model_type, "qwen2");
  EXPECT_TRUE(qwen.qkv_bias);
  EXPECT_FALSE(qwen.o_bias);
  EXPECT_EQ(qwen.eos_token_id, 151645);
  EXPECT_EQ(qwen.parameter_count(), 494'032'768);  // Qwen2.5-0.5B: 0.49B

  const GptConfig llama = gpt_config_from_json(llama32_1b());
  EXPECT_EQ(llama.rope_scaling.type, "llama3");
  EXPECT_DOUBLE_EQ(llama.rope_scaling.factor, 32.0);
  EXPECT_EQ(llama.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_EQ(llama.eos_token_id, 128001);  // the first of the list; the tokenizer's eos ends turns
  EXPECT_EQ(llama.parameter_count(), 1'235'814'400);  // Llama 3.2 1B: 1.24B
}

TEST(LlamaConfig, RoundTripsThroughConfigJson) {
  for (const json& hub : {smollm2_135m(), qwen25_05b(), llama32_1b()}) {
    const GptConfig config = gpt_config_from_json(hub);
    const json written = to_json(config);
    EXPECT_EQ(written["architectures"], hub["architectures"]);
    const GptConfig again = gpt_config_from_json(written);
    EXPECT_EQ(to_json(again), written) << hub["model_type"];
    EXPECT_EQ(again.parameter_count(), config.parameter_count());
  }
}

TEST(LlamaConfig, RefusesWhatTheEngineDoesNotComputeNamingTheKey) {
  for (const char* type : {"linear", "dynamic", "yarn", "longrope"})
    expect_refused(with(llama32_1b(), "rope_scaling", {{"rope_type", type}, {"factor", 4.0}}),
                   "rope_scaling", std::string("\"") + type + "\" is not supported");
  expect_refused(with(qwen25_05b(), "use_sliding_window", true), "use_sliding_window",
                 "sliding-window");
  expect_refused(with(smollm2_135m(), "hidden_act", "gelu"), "hidden_act", "not supported");
  expect_refused(with(smollm2_135m(), "attention_dropout", 0.1), "attention_dropout", "must be 0");
  expect_refused(with(qwen25_05b(), "quantization_config", {{"quant_method", "gptq"}}),
                 "quantization_config", "quantized");
  expect_refused(with(qwen25_05b(), "layer_types", {"full_attention", "sliding_attention"}),
                 "layer_types", "sliding_attention");
  expect_refused(with(qwen25_05b(), "use_mrope", true), "use_mrope", "not supported");
  expect_refused(with(qwen25_05b(), "attention_bias", true), "attention_bias", "Qwen2");
  expect_refused(with(smollm2_135m(), "num_key_value_heads", 4), "num_key_value_heads", "divide");
  expect_refused(with(smollm2_135m(), "model_type", "mistral"), "model_type", "mistral");
  expect_refused(with(llama32_1b(), "rope_scaling",
                      {{"rope_type", "llama3"},
                       {"factor", 8.0},
                       {"low_freq_factor", 4.0},
                       {"high_freq_factor", 1.0},
                       {"original_max_position_embeddings", 8192}}),
                 "rope_scaling", "low_freq_factor < high_freq_factor");
}

TEST(LlamaConfig, ValuesThatAreOffOrIrrelevantLoad) {
  EXPECT_NO_THROW(gpt_config_from_json(with(qwen25_05b(), "use_sliding_window", false)));
  EXPECT_NO_THROW(gpt_config_from_json(with(llama32_1b(), "rope_scaling", nullptr)));
  EXPECT_NO_THROW(
      gpt_config_from_json(with(llama32_1b(), "rope_scaling", {{"rope_type", "default"}})));
  EXPECT_NO_THROW(gpt_config_from_json(with(qwen25_05b(), "quantization_config", nullptr)));
  EXPECT_NO_THROW(gpt_config_from_json(
      with(qwen25_05b(), "layer_types", {"full_attention", "full_attention"})));
  // Keys that do not change the computation (initializer_range, use_cache, pretraining_tp 1,
  // max_window_layers with the window off) are in the hub configs above, which load.
}

TEST(LlamaConfig, ACheckpointFolderWithAnUnsupportedValueIsRefusedNamingItsConfigJson) {
  test::TempDir dir;
  std::ofstream(dir.path / "config.json")
      << with(llama32_1b(), "rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}}).dump();
  try {
    load_model_only(dir.str(), torch::kCPU);
    FAIL() << "loaded a yarn-scaled config";
  } catch (const CoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find((dir.path / "config.json").string()), std::string::npos) << message;
    EXPECT_NE(message.find("rope_scaling"), std::string::npos) << message;
  }
}
