// Checkpoint folders: save -> load gives identical logits; missing, mis-shaped and tampered
// tensors are refused by name; the write leaves no temporary folder; the content hash is stable.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/common/core_error.h"
#include "core/model/checkpoint.h"
#include "core/model/content_hash.h"
#include "core/model/safetensors.h"
#include "core/text/byte_tokenizer.h"

using namespace prefstudio;
namespace fs = std::filesystem;

namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("prefstudio_checkpoint_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_);
    config_.vocab_size = ByteTokenizer::kVocabSize;
    config_.eos_token_id = config_.bos_token_id = ByteTokenizer::kEosId;
    config_.n_positions = 32;
    config_.n_embd = 16;
    config_.n_layer = 2;
    config_.n_head = 2;
    config_.tokenizer = "byte";
  }
  void TearDown() override { fs::remove_all(root_); }

  Gpt make_model(uint64_t seed) {
    torch::manual_seed(seed);
    return Gpt(config_);
  }
  std::string save(const std::string& name, Gpt model, CheckpointManifest manifest = {},
                   const std::map<std::string, torch::Tensor>& extra = {}) {
    const std::string dir = (root_ / name).string();
    save_checkpoint(dir, model, tokenizer_, manifest, extra);
    return dir;
  }
  // Rewrites model.safetensors through `edit` and drops the manifest (whose hash would now fail).
  void edit_weights(const std::string& dir,
                    const std::function<void(std::map<std::string, torch::Tensor>&)>& edit) {
    const std::string path = dir + "/model.safetensors";
    std::map<std::string, torch::Tensor> tensors;
    {
      SafetensorsFile file(path);
      for (const auto& [name, entry] : file.entries()) tensors[name] = file.tensor(name);
    }
    edit(tensors);
    write_safetensors(path, tensors, {{"format", "pt"}});
    fs::remove(dir + "/prefstudio.json");
  }
  void expect_format_error(const std::string& dir, std::initializer_list<const char*> parts) {
    try {
      load_checkpoint(dir);
      FAIL() << dir << " loaded";
    } catch (const FormatError& e) {
      for (const char* part : parts)
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  }

  fs::path root_;
  GptConfig config_;
  ByteTokenizer tokenizer_;
};

torch::Tensor some_logits(Gpt& model) {
  torch::NoGradGuard no_grad;
  model->eval();
  return model->forward(torch::tensor({{72, 105, 33, 10, 256, 0, 255}}, torch::kLong));
}

}  // namespace

TEST_F(CheckpointTest, SaveThenLoadGivesIdenticalLogits) {
  Gpt model = make_model(1);
  CheckpointManifest manifest;
  manifest.run_id = 7;
  manifest.step = 300;
  manifest.kind = "reward";
  auto score = torch::randn({1, config_.n_embd});
  const std::string dir = save("ckpt", model, manifest, {{"score.weight", score}});
  for (const char* file :
       {"config.json", "model.safetensors", "prefstudio.json", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(fs::path(dir) / file)) << file;
  // Nothing but the checkpoint beside it: the temporary folder was renamed, not copied.
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(root_)) {
    EXPECT_EQ(entry.path().filename(), "ckpt");
    ++entries;
  }
  EXPECT_EQ(entries, 1);

  LoadedModel loaded = load_checkpoint(dir);
  EXPECT_TRUE(torch::equal(some_logits(model), some_logits(loaded.model)));
  EXPECT_EQ(loaded.tokenizer->kind(), "byte");
  EXPECT_EQ(loaded.config.n_layer, 2);
  EXPECT_EQ(loaded.manifest.run_id, 7);
  EXPECT_EQ(loaded.manifest.step, 300);
  EXPECT_EQ(loaded.manifest.kind, "reward");
  EXPECT_EQ(loaded.manifest.content_hash, sha256_file(dir + "/model.safetensors"));
  ASSERT_EQ(loaded.extra.count("score.weight"), 1u);
  EXPECT_TRUE(torch::equal(loaded.extra["score.weight"], score));

  // Hugging Face's layout on disk: prefixed names, Conv1D (in, out), no lm_head.
  SafetensorsFile file(dir + "/model.safetensors");
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.entries().at("transformer.h.0.attn.c_attn.weight").shape,
            (std::vector<int64_t>{16, 48}));
  EXPECT_EQ(file.entries().at("transformer.h.1.mlp.c_proj.weight").shape,
            (std::vector<int64_t>{64, 16}));
  EXPECT_FALSE(file.contains("lm_head.weight"));
}

TEST_F(CheckpointTest, OverwritesInPlaceWithoutLeftovers) {
  Gpt first = make_model(1), second = make_model(2);
  const std::string dir = save("ckpt", first);
  save("ckpt", second);
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(root_)) {
    EXPECT_EQ(entry.path().filename(), "ckpt");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  LoadedModel loaded = load_checkpoint(dir);
  EXPECT_TRUE(torch::equal(some_logits(second), some_logits(loaded.model)));
}

TEST_F(CheckpointTest, HashIsStable) {
  Gpt model = make_model(3);
  auto a = save_checkpoint((root_ / "a").string(), model, tokenizer_, {});
  auto b = save_checkpoint((root_ / "b").string(), model, tokenizer_, {});
  EXPECT_EQ(a.content_hash.size(), 64u);
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_EQ(load_checkpoint((root_ / "a").string()).manifest.content_hash, a.content_hash);
  auto c = save_checkpoint((root_ / "c").string(), make_model(4), tokenizer_, {});
  EXPECT_NE(a.content_hash, c.content_hash);
}

TEST_F(CheckpointTest, MissingTensorIsAnErrorNamingIt) {
  const std::string dir = save("ckpt", make_model(1));
  edit_weights(dir, [](auto& t) { t.erase("transformer.h.1.mlp.c_fc.weight"); });
  expect_format_error(dir, {"missing tensor", "transformer.h.1.mlp.c_fc.weight"});
}

TEST_F(CheckpointTest, MisShapedTensorIsAnErrorNamingIt) {
  const std::string dir = save("ckpt", make_model(1));
  edit_weights(dir, [](auto& t) {
    t["transformer.h.0.attn.c_attn.weight"] = torch::zeros({48, 16});
  });
  expect_format_error(dir, {"transformer.h.0.attn.c_attn.weight", "[48, 16]", "[16, 48]"});
}

TEST_F(CheckpointTest, TamperedWeightsFailTheHashCheck) {
  const std::string dir = save("ckpt", make_model(1));
  const std::string manifest = dir + "/prefstudio.json";
  fs::copy_file(manifest, root_ / "manifest.bak");
  edit_weights(dir, [](auto& t) { t["transformer.ln_f.bias"].add_(1.0); });
  fs::copy_file(root_ / "manifest.bak", manifest);
  expect_format_error(dir, {"content_hash", "does not match"});
}

TEST_F(CheckpointTest, AcceptsHuggingFaceVariants) {
  // Unprefixed keys, the tied lm_head and old attn.bias buffers, as openai-community/gpt2 ships.
  Gpt model = make_model(5);
  const std::string dir = save("ckpt", model);
  edit_weights(dir, [&](auto& t) {
    std::map<std::string, torch::Tensor> renamed;
    for (auto& [name, value] : t) renamed[name.substr(std::string("transformer.").size())] = value;
    renamed["lm_head.weight"] = renamed["wte.weight"].clone();
    renamed["h.0.attn.bias"] = torch::ones({1, 1, 32, 32}).tril();
    renamed["h.0.attn.masked_bias"] = torch::tensor(-1e4f);
    t = renamed;
  });
  LoadedModel loaded = load_checkpoint(dir);
  EXPECT_TRUE(loaded.extra.empty());
  EXPECT_TRUE(torch::equal(some_logits(model), some_logits(loaded.model)));
}

// An lm_head.weight that is not wte used to load and be ignored: the model unembeds with wte, so
// its logits were wrong without a word. A GPT-2 config ties the head, so a differing one is refused.
TEST_F(CheckpointTest, UntiedLmHeadIsRefusedNamingIt) {
  const std::string dir = save("ckpt", make_model(1));
  edit_weights(dir, [](auto& t) {
    t["lm_head.weight"] = t["transformer.wte.weight"].clone();
    t["lm_head.weight"][3][5].add_(1e-3f);  // one element differs
  });
  expect_format_error(dir, {dir.c_str(), "'lm_head.weight'", "tie_word_embeddings"});
}

TEST_F(CheckpointTest, ConfigWithUntiedEmbeddingsIsRefusedNamingTheKey) {
  const std::string dir = save("ckpt", make_model(1));
  const std::string config_path = dir + "/config.json";
  nlohmann::json config = nlohmann::json::parse(std::ifstream(config_path));
  config["tie_word_embeddings"] = false;
  std::ofstream(config_path) << config.dump(2);
  expect_format_error(dir, {config_path.c_str(), "tie_word_embeddings"});
}

// layer_norm_epsilon reaches every LayerNorm: another value in config.json, other logits.
TEST_F(CheckpointTest, LayerNormEpsilonFromConfigIsHonoured) {
  Gpt model = make_model(1);
  const std::string dir = save("ckpt", model);
  const std::string config_path = dir + "/config.json";
  nlohmann::json config = nlohmann::json::parse(std::ifstream(config_path));
  config["layer_norm_epsilon"] = 0.5;
  std::ofstream(config_path) << config.dump(2);
  LoadedModel loaded = load_checkpoint(dir);
  EXPECT_DOUBLE_EQ(loaded.config.layer_norm_epsilon, 0.5);
  EXPECT_FALSE(torch::allclose(some_logits(model), some_logits(loaded.model)));
}

TEST_F(CheckpointTest, LoadingLeavesTheGlobalRandomStateAlone) {
  const std::string dir = save("ckpt", make_model(1));
  torch::manual_seed(42);
  auto expected = torch::randn({8});
  torch::manual_seed(42);
  load_checkpoint(dir);
  EXPECT_TRUE(torch::equal(torch::randn({8}), expected));
}
