// The byte tokenizer: one id per byte, end-of-text 256, any byte string round trips, and the
// folder it saves loads back as "byte".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/common/core_error.h"
#include "core/text/byte_tokenizer.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

}  // namespace

TEST(ByteTokenizer, MapsEachByteToItsValue) {
  ByteTokenizer tokenizer;
  EXPECT_EQ(tokenizer.encode("hi"), (std::vector<int64_t>{104, 105}));
  EXPECT_EQ(tokenizer.encode(std::string("\x00\xFF", 2)), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(tokenizer.encode("\xC3\xA9"), (std::vector<int64_t>{0xC3, 0xA9}));  // é as UTF-8
  EXPECT_TRUE(tokenizer.encode("").empty());
  EXPECT_EQ(tokenizer.vocab_size(), 257);
  EXPECT_EQ(tokenizer.eos_id(), 256);
  EXPECT_EQ(tokenizer.kind(), "byte");
}

TEST(ByteTokenizer, RoundTripsRandomByteStrings) {
  ByteTokenizer tokenizer;
  std::mt19937 rng(42);
  for (int round = 0; round < 1000; ++round) {
    std::string text(rng() % 100, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    ASSERT_EQ(tokenizer.decode(tokenizer.encode(text)), text) << "round " << round;
  }
}

TEST(ByteTokenizer, DecodesEndOfTextOnlyWhenAsked) {
  ByteTokenizer tokenizer;
  EXPECT_EQ(tokenizer.decode({104, 256, 105}), "hi");
  EXPECT_EQ(tokenizer.decode({104, 256}, /*keep_special=*/true), "h<|endoftext|>");
  EXPECT_THROW(tokenizer.decode({257}), CoreError);
  EXPECT_THROW(tokenizer.decode({-1}), CoreError);
}

TEST(ByteTokenizer, SavesAConfigThatLoadsBackAsByte) {
  TempDir dir;
  std::ofstream(dir.path / "vocab.json") << "{}";  // stale BPE files are removed by save()
  ByteTokenizer().save(dir.path.string());
  EXPECT_FALSE(fs::exists(dir.path / "vocab.json"));
  auto config = nlohmann::json::parse(std::ifstream(dir.path / "tokenizer_config.json"));
  EXPECT_EQ(config["tokenizer_class"], "byte");
  EXPECT_EQ(config["vocab_size"], 257);
  auto loaded = Tokenizer::load(dir.path.string());
  EXPECT_EQ(loaded->kind(), "byte");
  EXPECT_EQ(loaded->encode("ab"), (std::vector<int64_t>{97, 98}));
}

TEST(ByteTokenizer, RefusesAConfigWithAnotherVocabularySize) {
  TempDir dir;
  std::ofstream(dir.path / "tokenizer_config.json")
      << R"({"tokenizer_class": "byte", "vocab_size": 300})";
  try {
    Tokenizer::load(dir.path.string());
    FAIL() << "vocab_size 300 is not the byte tokenizer";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("vocab_size"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
}
