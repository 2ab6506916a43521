// model init and logprobs, the two torch-free entry points the CLI uses: a seeded init is
// repeatable and GPT-2-shaped; score_completion agrees with sequence_logprobs by hand.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "core/common/core_error.h"
#include "core/model/checkpoint.h"
#include "core/model/completion_scorer.h"
#include "core/model/model_init.h"

using namespace prefstudio;
namespace fs = std::filesystem;

namespace {

class ModelInitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("prefstudio_model_init_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string dir(const std::string& name) { return (root_ / name).string(); }
  fs::path root_;
  nlohmann::json spec_ = {{"n_embd", 32},      {"n_layer", 2},        {"n_head", 4},
                          {"n_positions", 64}, {"tokenizer", "byte"}, {"seed", 11}};
};

}  // namespace

TEST_F(ModelInitTest, SeededInitIsRepeatableAndGpt2Shaped) {
  auto a = init_model_checkpoint(spec_, dir("a"));
  auto b = init_model_checkpoint(spec_, dir("b"));
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_EQ(a.config.vocab_size, 257);
  EXPECT_EQ(a.config.eos_token_id, 256);
  EXPECT_EQ(a.config.tokenizer, "byte");
  auto other = spec_;
  other["seed"] = 12;
  EXPECT_NE(init_model_checkpoint(other, dir("c")).content_hash, a.content_hash);

  LoadedModel loaded = load_checkpoint(dir("a"));
  auto params = loaded.model->named_parameters();
  EXPECT_NEAR(params["transformer.wte.weight"].std().item<double>(), 0.02, 0.002);
  EXPECT_NEAR(params["transformer.h.0.attn.c_attn.weight"].std().item<double>(), 0.02, 0.002);
  EXPECT_NEAR(params["transformer.h.1.mlp.c_proj.weight"].std().item<double>(),
              0.02 / std::sqrt(4.0), 0.002);
  EXPECT_EQ(params["transformer.h.0.mlp.c_fc.bias"].abs().max().item<double>(), 0.0);
  EXPECT_TRUE(torch::equal(params["transformer.h.0.ln_1.weight"], torch::ones({32})));
}

TEST_F(ModelInitTest, RefusesBadSpecsByField) {
  auto expect_error = [&](nlohmann::json spec, const char* field) {
    try {
      init_model_checkpoint(spec, dir("bad"), "spec.json");
      FAIL() << spec.dump();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("spec.json"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir("bad")));
  };
  auto no_tokenizer = spec_;
  no_tokenizer.erase("tokenizer");
  expect_error(no_tokenizer, "tokenizer");
  auto bad_seed = spec_;
  bad_seed["seed"] = "x";
  expect_error(bad_seed, "seed");
  auto small_vocab = spec_;
  small_vocab["vocab_size"] = 100;
  expect_error(small_vocab, "vocab_size");
  auto bad_heads = spec_;
  bad_heads["n_head"] = 5;
  expect_error(bad_heads, "n_head");
}

TEST_F(ModelInitTest, ScoreCompletionMatchesAHandComputation) {
  init_model_checkpoint(spec_, dir("m"));
  auto score = score_completion(dir("m"), "Hi", " there", "cpu");
  ASSERT_EQ(score.tokens.size(), 6u);  // byte tokenizer: one token per byte
  EXPECT_EQ(score.prompt_tokens, 2);
  EXPECT_EQ(score.tokens[0].text, " ");
  EXPECT_EQ(score.tokens[1].id, 't');

  LoadedModel loaded = load_checkpoint(dir("m"));
  torch::NoGradGuard no_grad;
  loaded.model->eval();
  std::vector<int64_t> ids{'H', 'i', ' ', 't', 'h', 'e', 'r', 'e'};
  auto log_probs = torch::log_softmax(loaded.model->forward(torch::tensor(ids).unsqueeze(0)), -1);
  double total = 0.0;
  for (size_t i = 2; i < ids.size(); ++i) {
    double lp = log_probs[0][static_cast<int64_t>(i) - 1][ids[i]].item<double>();
    EXPECT_NEAR(score.tokens[i - 2].logprob, lp, 1e-5);
    EXPECT_LT(lp, 0.0);
    total += lp;
  }
  EXPECT_NEAR(score.logprob, total, 1e-4);
  EXPECT_EQ(score.content_hash, loaded.manifest.content_hash);
  // Empty prompt: scored after end-of-text; empty completion: refused.
  EXPECT_EQ(score_completion(dir("m"), "", "a").prompt_tokens, 1);
  EXPECT_THROW(score_completion(dir("m"), "a", ""), CoreError);
  EXPECT_THROW(score_completion(dir("m"), "a", "b", "tpu"), ConfigError);
}
