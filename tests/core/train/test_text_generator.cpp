// TextGenerator, the torch-free facade over a checkpoint and the sampler: completions grouped by
// prompt, the same seed giving the same text, greedy equal across batch sizes, load errors typed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/common/core_error.h"
#include "core/model/model_init.h"
#include "core/train/text_generator.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;

class TextGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("text_generator_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    init_model_checkpoint({{"tokenizer", "byte"},
                           {"n_embd", 32},
                           {"n_layer", 1},
                           {"n_head", 2},
                           {"n_positions", 48},
                           {"seed", 3}},
                          (dir_ / "init").string());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TextGeneratorTest, GroupsBySeedsAndBatches) {
  TextGenerator generator((dir_ / "init").string());
  EXPECT_EQ(generator.content_hash().size(), 64u);
  const std::vector<std::string> prompts = {"Sort: cab\n", "Sort: zyxw\n", "x"};
  GenerationConfig config;
  config.max_new_tokens = 8;
  config.batch_size = 4;
  auto a = generator.complete(prompts, 3, config, 11);
  auto b = generator.complete(prompts, 3, config, 11);
  auto c = generator.complete(prompts, 3, config, 12);
  ASSERT_EQ(a.size(), 3u);
  for (const auto& group : a) EXPECT_EQ(group.size(), 3u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_GT(generator.tokens_generated(), 0);
  // The byte model writes one byte per token: a completion cut by max_new_tokens has all 8, one
  // that ended on end-of-text has fewer.
  for (const auto& group : a)
    for (const auto& completion : group) {
      ASSERT_TRUE(completion.finish_reason == "eos" || completion.finish_reason == "length");
      if (completion.finish_reason == "length")
        EXPECT_EQ(completion.text.size(), 8u);
      else
        EXPECT_LT(completion.text.size(), 8u);
    }

  // Greedy text does not depend on how rows are batched (left padding is masked out).
  config.temperature = 0.0;
  config.batch_size = 1;
  auto one_by_one = generator.complete(prompts, 1, config, 0);
  config.batch_size = 3;
  auto together = generator.complete(prompts, 1, config, 0);
  EXPECT_EQ(one_by_one, together);
  EXPECT_TRUE(generator.complete(prompts, 0, config, 0)[0].empty());
}

TEST_F(TextGeneratorTest, MissingCheckpointIsAFormatError) {
  EXPECT_THROW(TextGenerator((dir_ / "nothing").string()), FormatError);
  EXPECT_THROW(TextGenerator((dir_ / "init").string(), "tpu"), ConfigError);
}

}  // namespace
}  // namespace prefstudio
