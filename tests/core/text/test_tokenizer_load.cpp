// Tokenizer::load on broken folders: every failure is a FormatError that names the file and what
// is wrong with it (bad JSON, a merge line that does not split in two, a merge whose tokens or
// result are not in the vocabulary, missing files, unsupported tokenizer.json features).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/text/byte_unicode.h"
#include "core/text/tokenizer.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

// A valid byte-level vocab.json: the 256 byte tokens, "ab", and <|endoftext|>.
std::string tiny_vocab_json() {
  nlohmann::json vocab;
  for (int byte = 0; byte < 256; ++byte) vocab[byte_to_unicode()[byte]] = byte;
  vocab["ab"] = 256;
  vocab["<|endoftext|>"] = 257;
  return vocab.dump();
}

// Loads `dir` and returns the FormatError's message, failing the test if nothing is thrown.
std::string load_error(const TempDir& dir) {
  try {
    Tokenizer::load(dir.path.string());
  } catch (const FormatError& e) {
    return e.what();
  }
  ADD_FAILURE() << "load() accepted a broken folder";
  return "";
}

bool mentions(const std::string& message, const std::string& part) {
  return message.find(part) != std::string::npos;
}

}  // namespace

TEST(TokenizerLoad, ReadsATinyVocabAndMerges) {
  TempDir dir;
  dir.write("vocab.json", tiny_vocab_json());
  dir.write("merges.txt", "#version: 0.2\na b\n");
  auto tokenizer = Tokenizer::load(dir.path.string());
  EXPECT_EQ(tokenizer->encode("abab"), (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(tokenizer->vocab_size(), 258);
  EXPECT_EQ(tokenizer->eos_id(), 257);
}

TEST(TokenizerLoad, NamesTheFileOfBadJson) {
  TempDir dir;
  dir.write("vocab.json", "{\"a\": 1,");
  dir.write("merges.txt", "#version: 0.2\n");
  std::string message = load_error(dir);
  EXPECT_TRUE(mentions(message, "vocab.json")) << message;
  EXPECT_TRUE(mentions(message, "not valid JSON")) << message;
}

TEST(TokenizerLoad, NamesTheMergeLineThatDoesNotSplitInTwo) {
  TempDir dir;
  dir.write("vocab.json", tiny_vocab_json());
  dir.write("merges.txt", "#version: 0.2\na b\nab c d\n");
  std::string message = load_error(dir);
  EXPECT_TRUE(mentions(message, "merges.txt line 3")) << message;
}

TEST(TokenizerLoad, NamesAMergeWhoseResultIsMissing) {
  TempDir dir;
  dir.write("vocab.json", tiny_vocab_json());
  dir.write("merges.txt", "#version: 0.2\na b\nb c\n");
  std::string message = load_error(dir);
  EXPECT_TRUE(mentions(message, "merges.txt line 3")) << message;
  EXPECT_TRUE(mentions(message, "\"bc\", which is not in the vocabulary")) << message;
}

TEST(TokenizerLoad, NamesANonIntegerId) {
  TempDir dir;
  dir.write("vocab.json", R"({"a": "one"})");
  dir.write("merges.txt", "");
  std::string message = load_error(dir);
  EXPECT_TRUE(mentions(message, "vocab.json")) << message;
  EXPECT_TRUE(mentions(message, "\"a\"")) << message;
}

TEST(TokenizerLoad, RefusesHalfAPairOfFilesAndEmptyFolders) {
  TempDir dir;
  EXPECT_TRUE(mentions(load_error(dir), "no tokenizer files"));
  dir.write("vocab.json", tiny_vocab_json());
  EXPECT_TRUE(mentions(load_error(dir), "no merges.txt"));
  EXPECT_THROW(Tokenizer::load((dir.path / "missing").string()), FormatError);
}

TEST(TokenizerLoad, RefusesAByteConfigBesideBpeFiles) {
  TempDir dir;
  dir.write("vocab.json", tiny_vocab_json());
  dir.write("merges.txt", "#version: 0.2\n");
  dir.write("tokenizer_config.json", R"({"tokenizer_class": "byte"})");
  EXPECT_TRUE(mentions(load_error(dir), "says \"byte\""));
}

TEST(TokenizerLoad, RefusesTokenizerJsonFeaturesThatWouldChangeTheIds) {
  TempDir dir;
  const std::string model = R"("model": {"type": "BPE", "vocab": {}, "merges": []})";
  dir.write("tokenizer.json", R"({"normalizer": {"type": "Lowercase"}, )" + model + "}");
  EXPECT_TRUE(mentions(load_error(dir), "normalizer.type \"Lowercase\" is not supported"));
  dir.write("tokenizer.json", R"({"pre_tokenizer": {"type": "Whitespace"}, )" + model + "}");
  EXPECT_TRUE(mentions(load_error(dir), "pre_tokenizer.type"));
  dir.write("tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {}}})");
  EXPECT_TRUE(mentions(load_error(dir), "model.type"));
  dir.write("tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [1]}})");
  EXPECT_TRUE(mentions(load_error(dir), "model.merges[0]"));
}
