// GptConfig <-> config.json: round trip, HF defaults, and ConfigError naming the field.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/common/core_error.h"
#include "core/model/gpt.h"
#include "core/model/gpt_config.h"

using namespace prefstudio;

namespace {

void expect_config_error(const nlohmann::json& json, const std::string& field) {
  try {
    gpt_config_from_json(json);
    FAIL() << "accepted " << json.dump();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(GptConfig, RoundTripsThroughHuggingFaceJson) {
  GptConfig config;
  config.vocab_size = 257;
  config.n_embd = 64;
  config.n_layer = 3;
  config.n_head = 4;
  config.n_positions = 128;
  config.eos_token_id = config.bos_token_id = 256;
  config.tokenizer = "byte";
  config.dropout = 0.1;
  auto json = to_json(config);
  EXPECT_EQ(json["model_type"], "gpt2");
  EXPECT_EQ(json["activation_function"], "gelu_new");
  auto back = gpt_config_from_json(json);
  EXPECT_EQ(back.vocab_size, 257);
  EXPECT_EQ(back.n_embd, 64);
  EXPECT_EQ(back.n_layer, 3);
  EXPECT_EQ(back.n_head, 4);
  EXPECT_EQ(back.n_positions, 128);
  EXPECT_EQ(back.eos_token_id, 256);
  EXPECT_EQ(back.tokenizer, "byte");
  EXPECT_DOUBLE_EQ(back.dropout, 0.1);
}

TEST(GptConfig, ReadsGpt2SmallConfig) {
  // The keys of openai-community/gpt2's config.json that matter.
  auto json = nlohmann::json::parse(R"({"activation_function": "gelu_new", "architectures":
    ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": 50256, "embd_pdrop": 0.1,
    "eos_token_id": 50256, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12,
    "n_positions": 1024, "resid_pdrop": 0.1, "vocab_size": 50257})");
  auto config = gpt_config_from_json(json);
  EXPECT_EQ(config.parameter_count(), 124439808);  // what Hugging Face reports for gpt2
  EXPECT_EQ(config.head_dim(), 64);
}

TEST(GptConfig, ParameterCountMatchesTheModel) {
  GptConfig config;
  config.vocab_size = 50;
  config.n_embd = 16;
  config.n_layer = 2;
  config.n_head = 2;
  config.n_positions = 20;
  config.eos_token_id = config.bos_token_id = 49;
  Gpt model(config);
  int64_t count = 0;
  for (const auto& p : model->parameters()) count += p.numel();
  EXPECT_EQ(count, config.parameter_count());
}

TEST(GptConfig, RefusesBadFieldsByName) {
  auto good = to_json(GptConfig{});
  auto without = [&](const char* key) {
    auto j = good;
    j.erase(key);
    return j;
  };
  auto with = [&](const char* key, nlohmann::json value) {
    auto j = good;
    j[key] = value;
    return j;
  };
  expect_config_error(without("n_embd"), "n_embd");
  expect_config_error(with("n_head", "twelve"), "n_head");
  expect_config_error(with("n_head", 7), "n_head");  // 768 % 7 != 0
  expect_config_error(with("n_layer", 0), "n_layer");
  expect_config_error(with("activation_function", "relu"), "activation_function");
  expect_config_error(with("model_type", "mistral"), "model_type");
  expect_config_error(with("eos_token_id", 60000), "eos_token_id");
  expect_config_error(nlohmann::json::array(), "object");
}

// Hugging Face keys that change what the model computes: only GPT-2's own values load, any other is
// refused by name instead of being ignored.
TEST(GptConfig, RefusesKeysThatChangeTheComputationByName) {
  auto with = [](const char* key, nlohmann::json value) {
    auto j = to_json(GptConfig{});
    j[key] = value;
    return j;
  };
  expect_config_error(with("tie_word_embeddings", false), "tie_word_embeddings");
  expect_config_error(with("tie_word_embeddings", "no"), "tie_word_embeddings");
  expect_config_error(with("scale_attn_by_inverse_layer_idx", true),
                      "scale_attn_by_inverse_layer_idx");
  expect_config_error(with("scale_attn_by_inverse_layer_idx", 1),
                      "scale_attn_by_inverse_layer_idx");
  expect_config_error(with("reorder_and_upcast_attn", true), "reorder_and_upcast_attn");
  expect_config_error(with("add_cross_attention", true), "add_cross_attention");
  expect_config_error(with("scale_attn_weights", false), "scale_attn_weights");
  expect_config_error(with("n_inner", 100), "n_inner");
  expect_config_error(with("activation_function", "gelu"), "activation_function");
  expect_config_error(with("attn_pdrop", 0.1), "attn_pdrop");  // resid_pdrop is 0: one rate only
  expect_config_error(with("embd_pdrop", 0.1), "embd_pdrop");
  // GPT-2's own values load.
  for (auto [key, value] : std::vector<std::pair<const char*, nlohmann::json>>{
           {"tie_word_embeddings", true},
           {"scale_attn_by_inverse_layer_idx", false},
           {"reorder_and_upcast_attn", false},
           {"add_cross_attention", false},
           {"scale_attn_weights", true},
           {"activation_function", "gelu_pytorch_tanh"},
           {"attn_pdrop", 0.0}})
    EXPECT_NO_THROW(gpt_config_from_json(with(key, value))) << key;
}
