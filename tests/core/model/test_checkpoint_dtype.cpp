// A checkpoint's stored dtype: a BF16 Llama checkpoint (as the hub ships them) is upcast to float32
// on the CPU, bit for bit the stored values; PREFSTUDIO_WEIGHTS_DTYPE=stored keeps BF16 (what a GPU
// gets by default) and computes in it; a bad value is refused by name; a model saved in BF16 writes
// BF16 tensors and says so in config.json's torch_dtype.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/model/checkpoint.h"
#include "core/model/safetensors.h"
#include "core/text/byte_tokenizer.h"
#include "core/text/tokenizer_files.h"
#include "tests/core/core_test_scoped_env.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
using test::ScopedEnv;
using test::TempDir;

namespace {

GptConfig tiny_llama() {
  GptConfig config;
  config.model_type = "llama";
  config.vocab_size = ByteTokenizer::kVocabSize;
  config.eos_token_id = config.bos_token_id = ByteTokenizer::kEosId;
  config.tokenizer = "byte";
  config.n_positions = 32;
  config.n_embd = 32;
  config.intermediate_size = 64;
  config.n_layer = 2;
  config.n_head = 4;
  config.n_kv_head = 2;
  config.tie_word_embeddings = false;
  config.dropout = 0.0;
  return config;
}

// A tiny Llama saved in BF16, as a hub checkpoint is stored.
std::string save_bf16(const TempDir& dir) {
  torch::manual_seed(3);
  Gpt model(tiny_llama());
  model->to(torch::kBFloat16);
  const std::string path = (dir.path / "bf16").string();
  save_checkpoint(path, model, ByteTokenizer(), CheckpointManifest{});
  return path;
}

torch::Tensor logits_of(Gpt& model) {
  torch::NoGradGuard no_grad;
  model->eval();
  const auto idx = torch::tensor({{72, 101, 108, 108, 111, 33}}, torch::kLong);
  return model->lm_logits(model->forward_hidden({idx, torch::ones_like(idx), {}}));
}

}  // namespace

TEST(CheckpointDtype, Bf16IsWrittenAsBf16AndNamedInConfigJson) {
  TempDir dir;
  const std::string path = save_bf16(dir);
  SafetensorsFile file(path + "/model.safetensors");
  for (const auto& [name, entry] : file.entries()) EXPECT_EQ(entry.dtype, "BF16") << name;
  EXPECT_EQ(read_tokenizer_json(path + "/config.json")["torch_dtype"], "bfloat16");
}

TEST(CheckpointDtype, OnTheCpuBf16IsUpcastToTheSameValues) {
  TempDir dir;
  const std::string path = save_bf16(dir);
  LoadedModel loaded = load_checkpoint(path, torch::kCPU);
  SafetensorsFile file(path + "/model.safetensors");
  size_t compared = 0;
  for (const auto& item : loaded.model->named_parameters()) {
    const std::string& name = item.key();
    const torch::Tensor& param = item.value();
    EXPECT_EQ(param.scalar_type(), torch::kFloat) << name;
    ASSERT_EQ(file.entries().count(name), 1u) << name << " is not a stored tensor";
    EXPECT_TRUE(torch::equal(param, file.tensor(name).to(torch::kFloat))) << name;
    ++compared;
  }
  EXPECT_EQ(compared, file.entries().size());
  // Saved again it is a float32 checkpoint, and says so.
  save_checkpoint((dir.path / "f32").string(), loaded.model, *loaded.tokenizer, loaded.manifest);
  EXPECT_EQ(read_tokenizer_json((dir.path / "f32/config.json").string())["torch_dtype"], "float32");
}

TEST(CheckpointDtype, StoredKeepsBf16AndComputesInIt) {
  TempDir dir;
  const std::string path = save_bf16(dir);
  LoadedModel upcast = load_checkpoint(path, torch::kCPU);
  ScopedEnv keep("PREFSTUDIO_WEIGHTS_DTYPE", "stored");
  LoadedModel kept = load_checkpoint(path, torch::kCPU);
  for (const auto& item : kept.model->named_parameters())
    EXPECT_EQ(item.value().scalar_type(), torch::kBFloat16) << item.key();
  const auto low = logits_of(kept.model), high = logits_of(upcast.model);
  EXPECT_EQ(low.scalar_type(), torch::kBFloat16);
  // Same weights, BF16 arithmetic: close to the float32 forward, not equal to it.
  const double diff = (low.to(torch::kFloat) - high).abs().max().item<double>();
  EXPECT_LT(diff, 0.1) << diff;
  EXPECT_GT(diff, 0.0);
}

TEST(CheckpointDtype, ABadSettingIsRefusedByName) {
  TempDir dir;
  const std::string path = save_bf16(dir);
  ScopedEnv bad("PREFSTUDIO_WEIGHTS_DTYPE", "bf16");
  try {
    load_checkpoint(path, torch::kCPU);
    FAIL() << "loaded with PREFSTUDIO_WEIGHTS_DTYPE=bf16";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("PREFSTUDIO_WEIGHTS_DTYPE"), std::string::npos)
        << e.what();
  }
}
