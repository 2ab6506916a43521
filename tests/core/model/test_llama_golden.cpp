// The Llama architecture against an independent PyTorch reference (tests/golden/
// make_llama_golden.py): two tiny checkpoints in Hugging Face's hub layout, loaded through
// load_checkpoint. llama_tiny is a LlamaForCausalLM (grouped-query attention, untied head, llama3
// rope scaling, weights in four shards with an index); qwen2_tiny a Qwen2ForCausalLM (q/k/v biases,
// tied embeddings, one file). Logits at real positions, the loss and the gradients the reference
// stored must agree within 1e-4. Also: a padded row equals its real tokens alone, KV-cache decoding
// equals the full forward, and a saved copy, whole or sharded, reloads to bit-identical logits.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/model/checkpoint.h"
#include "core/model/gpt.h"
#include "core/model/rotary_embedding.h"
#include "core/model/safetensors.h"
#include "tests/core/core_test_scoped_env.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
using test::ScopedEnv;
namespace fs = std::filesystem;

namespace {

const std::string kGoldenDir = std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden";
const std::vector<std::string> kFixtures = {"llama_tiny", "qwen2_tiny"};
constexpr double kTolerance = 1e-4;

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// A checkpoint folder through the project's loader, in eval mode.
LoadedModel load_folder(const std::string& dir) {
  auto loaded = load_checkpoint(dir);
  EXPECT_TRUE(loaded.extra.empty()) << dir << ": tensors that are not the model's";
  loaded.model->eval();
  return loaded;
}

LoadedModel load_fixture(const std::string& name) { return load_folder(kGoldenDir + "/" + name); }

// Logits (B, T, V) of the masked forward pass, zero at padding positions as the reference stores.
torch::Tensor masked_logits(Gpt& model, const torch::Tensor& idx, const torch::Tensor& mask) {
  auto logits = model->lm_logits(model->forward_hidden({idx, mask, {}}));  // (B, T, V)
  return logits.masked_fill(mask.to(torch::kBool).logical_not().unsqueeze(-1), 0.0);
}

// One fixture: logits at real positions, the loss and the stored gradients against the reference.
void expect_matches_reference(const std::string& name) {
  SafetensorsFile expected(kGoldenDir + "/" + name + "_expected.safetensors");
  auto loaded = load_fixture(name);
  Gpt& model = loaded.model;
  auto idx = expected.tensor("input_ids");        // (2, 12), row 1 padded
  auto mask = expected.tensor("attention_mask");  // (2, 12)
  auto targets = expected.tensor("targets");      // (2, 12), -100 where not predicted
  auto logits = masked_logits(model, idx, mask);  // (2, 12, V)
  auto loss = torch::nn::functional::cross_entropy(
      logits.view({-1, logits.size(-1)}), targets.view({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
  loss.backward();

  const double logits_diff = max_abs_diff(logits, expected.tensor("logits"));
  EXPECT_LE(logits_diff, kTolerance) << name << " logits: largest abs difference " << logits_diff;
  const double loss_diff = max_abs_diff(loss, expected.tensor("loss"));
  EXPECT_LE(loss_diff, kTolerance) << name << " loss: " << loss.item<double>() << " vs "
                                   << expected.tensor("loss").item<double>();
  auto parameters = model->named_parameters();
  double worst_grad = 0.0;
  int compared = 0;
  for (const auto& [key, entry] : expected.entries()) {
    if (key.rfind("grad.", 0) != 0) continue;
    const std::string param_name = key.substr(5);
    ASSERT_TRUE(parameters.contains(param_name)) << name << ": no parameter " << param_name;
    const auto& grad = parameters[param_name].grad();
    ASSERT_TRUE(grad.defined()) << name << ": " << param_name << " got no gradient";
    auto reference = expected.tensor(key);
    const double diff = max_abs_diff(grad, reference);
    EXPECT_LE(diff, kTolerance) << name << " " << param_name << ": largest abs difference " << diff;
    // The comparison only means something if the gradient is not ~0.
    EXPECT_GT(reference.abs().max().item<double>(), 1e-3) << param_name << " gradient is trivial";
    worst_grad = std::max(worst_grad, diff);
    ++compared;
  }
  EXPECT_GE(compared, 10) << name << ": the reference stored too few gradients";
  for (const auto& item : parameters)
    EXPECT_TRUE(item.value().grad().defined()) << name << ": " << item.key() << " got no gradient";
  std::cout << name << " golden: largest abs difference: logits " << logits_diff << ", loss "
            << loss_diff << ", " << compared << " gradients " << worst_grad << "\n";
}

void expect_padded_row_equals_real_tokens_alone(const std::string& name) {
  torch::NoGradGuard no_grad;
  SafetensorsFile expected(kGoldenDir + "/" + name + "_expected.safetensors");
  auto loaded = load_fixture(name);
  auto idx = expected.tensor("input_ids");                                         // (2, 12)
  auto mask = expected.tensor("attention_mask");                                   // (2, 12)
  auto real = mask[1].to(torch::kBool);                                            // (12)
  auto padded = masked_logits(loaded.model, idx, mask)[1];                         // (12, V)
  auto alone = loaded.model->forward(idx[1].masked_select(real).unsqueeze(0))[0];  // (n, V)
  ASSERT_LT(alone.size(0), idx.size(1)) << name << ": row 1 is not padded";
  const double diff = max_abs_diff(padded.index({real}), alone);
  EXPECT_LE(diff, 1e-5) << name << ": padding changed real logits by " << diff;
}

// Incremental decoding: a 4-token prefill with the mask, then one token at a time;
// real positions must equal the full masked forward.
void expect_kv_cache_equals_full_forward(const std::string& name) {
  torch::NoGradGuard no_grad;
  SafetensorsFile expected(kGoldenDir + "/" + name + "_expected.safetensors");
  auto loaded = load_fixture(name);
  Gpt& model = loaded.model;
  auto idx = expected.tensor("input_ids");        // (2, 12)
  auto mask = expected.tensor("attention_mask");  // (2, 12)
  auto full = masked_logits(model, idx, mask);    // (2, 12, V)

  KvCache cache;
  const int64_t prefill = 4, t = idx.size(1);
  std::vector<torch::Tensor> steps{model->lm_logits(model->forward_hidden(
      {idx.narrow(1, 0, prefill), mask.narrow(1, 0, prefill), {}}, &cache))};  // (2, 4, V)
  // Grouped-query attention: the cache holds the key/value heads, not the query heads.
  EXPECT_EQ(cache.k[0].size(1), loaded.config.kv_heads());
  for (int64_t i = prefill; i < t; ++i)
    steps.push_back(model->lm_logits(model->forward_hidden(
        {idx.narrow(1, i, 1), mask.narrow(1, 0, i + 1), {}}, &cache)));  // (2, 1, V)
  EXPECT_EQ(cache.length(), t);
  auto incremental = torch::cat(steps, 1).masked_fill(
      mask.to(torch::kBool).logical_not().unsqueeze(-1), 0.0);  // (2, 12, V)
  const double diff = max_abs_diff(full, incremental);
  EXPECT_LE(diff, 1e-5) << name << ": KV-cache decoding differs from the full forward by " << diff;

  // Unmasked as well: the all-real row 0, a 7-token prefill, then single steps.
  KvCache plain;
  auto row = idx.narrow(0, 0, 1);    // (1, 12)
  auto whole = model->forward(row);  // (1, 12, V)
  std::vector<torch::Tensor> parts{
      model->lm_logits(model->forward_hidden({row.narrow(1, 0, 7), {}, {}}, &plain))};
  for (int64_t i = 7; i < t; ++i)
    parts.push_back(model->lm_logits(model->forward_hidden({row.narrow(1, i, 1), {}, {}}, &plain)));
  const double plain_diff = max_abs_diff(torch::cat(parts, 1), whole);
  EXPECT_LE(plain_diff, 1e-5) << name << ": unmasked KV-cache decoding differs by " << plain_diff;
}

// Logits of the stored inputs, for bit-for-bit comparisons between a model and its reloaded copy.
torch::Tensor fixture_logits(Gpt& model, const std::string& name) {
  torch::NoGradGuard no_grad;
  SafetensorsFile expected(kGoldenDir + "/" + name + "_expected.safetensors");
  return masked_logits(model, expected.tensor("input_ids"), expected.tensor("attention_mask"));
}

}  // namespace

TEST(LlamaGolden, LlamaTinyMatchesReference) { expect_matches_reference("llama_tiny"); }

TEST(LlamaGolden, Qwen2TinyMatchesReference) { expect_matches_reference("qwen2_tiny"); }

TEST(LlamaGolden, FixturesLoadAsTheirArchitectures) {
  auto llama = load_fixture("llama_tiny");
  EXPECT_EQ(llama.config.model_type, "llama");
  EXPECT_EQ(llama.config.n_head, 4);
  EXPECT_EQ(llama.config.kv_heads(), 2);
  EXPECT_EQ(llama.config.rope_scaling.type, "llama3");
  EXPECT_FALSE(llama.config.tie_word_embeddings);
  EXPECT_FALSE(llama.config.qkv_bias);
  EXPECT_TRUE(llama.model->named_parameters().contains("lm_head.weight"));
  EXPECT_EQ(llama.tokenizer->kind(), "byte");
  EXPECT_FALSE(fs::exists(kGoldenDir + "/llama_tiny/model.safetensors"));
  EXPECT_TRUE(fs::exists(kGoldenDir + "/llama_tiny/model.safetensors.index.json"));
  EXPECT_TRUE(fs::exists(kGoldenDir + "/llama_tiny/model-00002-of-00004.safetensors"));

  auto qwen2 = load_fixture("qwen2_tiny");
  EXPECT_EQ(qwen2.config.model_type, "qwen2");
  EXPECT_TRUE(qwen2.config.tie_word_embeddings);
  EXPECT_TRUE(qwen2.config.qkv_bias);
  EXPECT_FALSE(qwen2.config.o_bias);
  EXPECT_FALSE(qwen2.model->named_parameters().contains("lm_head.weight"));
  EXPECT_TRUE(qwen2.model->named_parameters().contains("model.layers.1.self_attn.k_proj.bias"));
}

// The rotary frequencies after llama3 scaling equal the reference's, and the scaling changes the
// logits (the reference stored them without it too), so the fixture does exercise it.
TEST(LlamaGolden, Llama3RopeScalingMatchesReferenceAndMatters) {
  torch::NoGradGuard no_grad;
  SafetensorsFile expected(kGoldenDir + "/llama_tiny_expected.safetensors");
  auto loaded = load_fixture("llama_tiny");
  const double freq_diff = max_abs_diff(RotaryEmbedding(loaded.config).inverse_frequencies(),
                                        expected.tensor("inv_freq"));
  EXPECT_LE(freq_diff, 1e-7) << "inverse frequencies differ by " << freq_diff;

  GptConfig unscaled = loaded.config;
  unscaled.rope_scaling = RopeScaling{};
  Gpt plain(unscaled);
  auto source = loaded.model->named_parameters();
  for (auto& item : plain->named_parameters()) item.value().copy_(source[item.key()]);
  plain->eval();
  auto logits = fixture_logits(plain, "llama_tiny");  // (2, 12, V)
  const double diff = max_abs_diff(logits, expected.tensor("logits_no_rope_scaling"));
  EXPECT_LE(diff, kTolerance) << "logits without rope scaling differ by " << diff;
  const double moved =
      max_abs_diff(expected.tensor("logits"), expected.tensor("logits_no_rope_scaling"));
  EXPECT_GT(moved, 0.1) << "the fixture's rope scaling barely changes the logits";
}

// llama_tiny's row 1 is left-padded, qwen2_tiny's right-padded: the masked forward pass must give
// its real tokens the logits they get alone (positions count real tokens only).
TEST(LlamaGolden, LlamaLeftPaddedRowEqualsItsRealTokensAlone) {
  expect_padded_row_equals_real_tokens_alone("llama_tiny");
}

TEST(LlamaGolden, Qwen2RightPaddedRowEqualsItsRealTokensAlone) {
  expect_padded_row_equals_real_tokens_alone("qwen2_tiny");
}

TEST(LlamaGolden, LlamaKvCacheDecodingEqualsFullForward) {
  expect_kv_cache_equals_full_forward("llama_tiny");
}

TEST(LlamaGolden, Qwen2KvCacheDecodingEqualsFullForward) {
  expect_kv_cache_equals_full_forward("qwen2_tiny");
}

// Saved with the default shard size (one file, even from the sharded llama_tiny) and reloaded.
TEST(LlamaGolden, SaveThenReloadGivesBitIdenticalLogits) {
  for (const auto& name : kFixtures) {
    test::TempDir dir;
    auto loaded = load_fixture(name);
    const std::string copy = dir.str() + "/copy";
    save_checkpoint(copy, loaded.model, *loaded.tokenizer, loaded.manifest);
    EXPECT_TRUE(fs::exists(copy + "/model.safetensors")) << name;
    EXPECT_FALSE(fs::exists(copy + "/model.safetensors.index.json")) << name;
    auto reloaded = load_folder(copy);
    EXPECT_EQ(reloaded.config.model_type, loaded.config.model_type);
    EXPECT_EQ(reloaded.config.rope_scaling.type, loaded.config.rope_scaling.type);
    EXPECT_EQ(reloaded.config.tie_word_embeddings, loaded.config.tie_word_embeddings);
    EXPECT_TRUE(
        torch::equal(fixture_logits(loaded.model, name), fixture_logits(reloaded.model, name)))
        << name << ": reloaded logits are not bit-identical";
  }
}

// PREFSTUDIO_MAX_SHARD_MB small: several shards and an index whose weight_map names every tensor.
TEST(LlamaGolden, ShardedSaveWritesAnIndexAndReloadsIdentically) {
  for (const auto& name : kFixtures) {
    test::TempDir dir;
    auto loaded = load_fixture(name);
    const std::string copy = dir.str() + "/sharded";
    {
      ScopedEnv shard_limit("PREFSTUDIO_MAX_SHARD_MB", "0.03");  // 30 KB
      save_checkpoint(copy, loaded.model, *loaded.tokenizer, loaded.manifest);
    }
    EXPECT_FALSE(fs::exists(copy + "/model.safetensors")) << name;
    ASSERT_TRUE(fs::exists(copy + "/model.safetensors.index.json")) << name;
    int shards = 0;
    for (const auto& entry : fs::directory_iterator(copy)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("model-", 0) == 0 && file.find("-of-") != std::string::npos) ++shards;
    }
    EXPECT_GE(shards, 2) << name << ": expected several shards";
    auto reloaded = load_folder(copy);
    EXPECT_EQ(reloaded.manifest.content_hash, checkpoint_content_hash(copy));
    EXPECT_TRUE(
        torch::equal(fixture_logits(loaded.model, name), fixture_logits(reloaded.model, name)))
        << name << ": logits after a sharded save and reload are not bit-identical";
  }
}
