// GPT-2 byte-level BPE against an independent reference: the README's known encodings and the
// hard-string corpus that tests/golden/make_bpe_golden.py encoded with OpenAI's encoder.py
// algorithm. Plus round trips on random text, thread safety, save/load and tokenizer.json.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "core/common/core_error.h"
#include "core/text/bpe_tokenizer.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
namespace fs = std::filesystem;

namespace {

const std::string kGpt2Dir = std::string(PREFSTUDIO_SOURCE_DIR) + "/resources/gpt2-tokenizer";
const std::string kGoldenPath =
    std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden/bpe_golden.json";

const BpeTokenizer& gpt2() {
  static const std::unique_ptr<BpeTokenizer> tokenizer =
      BpeTokenizer::from_vocab_and_merges(kGpt2Dir + "/vocab.json", kGpt2Dir + "/merges.txt");
  return *tokenizer;
}

std::string show(const std::vector<int64_t>& ids) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? ", " : "") << ids[i];
  return out.str() + "]";
}

struct GoldenCase {
  std::string text;
  std::vector<int64_t> ids;
};

std::vector<GoldenCase> golden_cases() {
  std::ifstream in(kGoldenPath);
  EXPECT_TRUE(in) << "missing " << kGoldenPath << " (run tests/golden/make_bpe_golden.py)";
  nlohmann::json root = nlohmann::json::parse(in);
  std::vector<GoldenCase> cases;
  for (const auto& entry : root.at("cases"))
    cases.push_back(
        {entry.at("text").get<std::string>(), entry.at("ids").get<std::vector<int64_t>>()});
  return cases;
}

using test::TempDir;

std::string random_utf8(std::mt19937& rng, int length) {
  std::string text;
  for (int i = 0; i < length; ++i) {
    uint32_t cp;
    switch (rng() % 4) {
      case 0:
        cp = 0x20 + rng() % 0x60;
        break;  // ASCII, spaces and punctuation
      case 1:
        cp = rng() % 0x800;
        break;  // two-byte range, controls included
      case 2:
        cp = 0x800 + rng() % 0xF800;
        break;  // BMP: CJK, Hangul, ...
      default:
        cp = 0x10000 + rng() % 0x100000;
        break;  // astral: emoji, unassigned
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = ' ';  // surrogates are not UTF-8
    if (cp < 0x80) {
      text += static_cast<char>(cp);
    } else if (cp < 0x800) {
      text += static_cast<char>(0xC0 | (cp >> 6));
      text += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      text += static_cast<char>(0xE0 | (cp >> 12));
      text += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      text += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      text += static_cast<char>(0xF0 | (cp >> 18));
      text += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      text += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      text += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return text;
}

// Every golden case must encode to its ids and decode back; reports the first mismatch in full.
void expect_matches_golden(const Tokenizer& tokenizer) {
  const auto cases = golden_cases();
  ASSERT_GT(cases.size(), 300u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const GoldenCase& c = cases[i];
    const std::vector<int64_t> ids = tokenizer.encode(c.text);
    ASSERT_EQ(ids, c.ids) << "golden case " << i << " " << nlohmann::json(c.text).dump()
                          << "\n  ours:      " << show(ids) << "\n  reference: " << show(c.ids);
    ASSERT_EQ(tokenizer.decode(ids), c.text) << "golden case " << i << " does not decode back";
  }
}

}  // namespace

TEST(BpeTokenizer, MatchesTheReadmesKnownEncodings) {
  EXPECT_EQ(gpt2().encode("Hello"), (std::vector<int64_t>{15496}));
  EXPECT_EQ(gpt2().encode(" world"), (std::vector<int64_t>{995}));
  EXPECT_EQ(gpt2().encode("Hello world"), (std::vector<int64_t>{15496, 995}));
  EXPECT_EQ(gpt2().vocab_size(), 50257);
  EXPECT_EQ(gpt2().eos_id(), 50256);
  EXPECT_EQ(gpt2().merge_count(), 50000);
  EXPECT_EQ(gpt2().kind(), "gpt2-bpe");
}

TEST(BpeTokenizer, MatchesTheReferenceOnTheHardStringCorpus) { expect_matches_golden(gpt2()); }

TEST(BpeTokenizer, TreatsSpecialTokenTextLiterally) {
  const auto ids = gpt2().encode("<|endoftext|>");
  EXPECT_GT(ids.size(), 1u) << "special tokens inside text must not be parsed";
  EXPECT_EQ(gpt2().decode(ids), "<|endoftext|>");
  EXPECT_EQ(gpt2().decode({15496, 50256}), "Hello");
  EXPECT_EQ(gpt2().decode({15496, 50256}, /*keep_special=*/true), "Hello<|endoftext|>");
  EXPECT_THROW(gpt2().decode({50257}), CoreError);
  EXPECT_THROW(gpt2().decode({-1}), CoreError);
}

TEST(BpeTokenizer, RoundTripsRandomValidUtf8) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 400; ++round) {
    const std::string text = random_utf8(rng, 1 + rng() % 80);
    ASSERT_EQ(gpt2().decode(gpt2().encode(text)), text) << "round " << round;
  }
}

TEST(BpeTokenizer, EncodesInvalidUtf8ByteByByteAndRoundTrips) {
  const auto ids = gpt2().encode("ok\xFF");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], gpt2().encode("ok")[0]);
  EXPECT_EQ(ids[1], gpt2().token_id("\xC3\xBF"));  // byte 0xFF is spelled U+00FF
  std::mt19937 rng(99);
  for (int round = 0; round < 500; ++round) {
    std::string text(1 + rng() % 60, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    ASSERT_EQ(gpt2().decode(gpt2().encode(text)), text) << "round " << round;
  }
}

TEST(BpeTokenizer, GivesTheSameIdsFromSeveralThreads) {
  std::mt19937 rng(5);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(random_utf8(rng, 40));
  std::vector<std::vector<int64_t>> expected;
  for (const auto& text : texts) expected.push_back(gpt2().encode(text));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 5; ++repeat)
        for (size_t i = 0; i < texts.size(); ++i)
          if (gpt2().encode(texts[i]) != expected[i]) ++failures[t];
    });
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(BpeTokenizer, SavesFilesThatLoadBackToTheSameTokenizer) {
  TempDir dir;
  std::ofstream(dir.path / "tokenizer.json") << "{\"stale\": true}";
  gpt2().save(dir.str());
  EXPECT_FALSE(fs::exists(dir.path / "tokenizer.json")) << "a stale tokenizer.json would win";
  auto loaded = Tokenizer::load(dir.str());
  EXPECT_EQ(loaded->kind(), "gpt2-bpe");
  EXPECT_EQ(loaded->vocab_size(), 50257);
  EXPECT_EQ(loaded->eos_id(), 50256);
  expect_matches_golden(*loaded);
  auto config = nlohmann::json::parse(std::ifstream(dir.path / "tokenizer_config.json"));
  EXPECT_EQ(config["tokenizer_class"], "GPT2Tokenizer");
  EXPECT_EQ(config["eos_token"], "<|endoftext|>");
}

TEST(BpeTokenizer, ReadsHuggingFaceTokenizerJsonWithEitherMergeFormat) {
  const BpeVocabulary vocabulary = gpt2().vocabulary();
  for (bool pairs : {false, true}) {
    nlohmann::json vocab = nlohmann::json::object();
    for (const auto& [token, id] : vocabulary.tokens)
      if (token != "<|endoftext|>") vocab[token] = id;  // HF keeps it in added_tokens only
    nlohmann::json merges = nlohmann::json::array();
    for (const auto& [left, right] : vocabulary.merges)
      merges.push_back(pairs ? nlohmann::json::array({left, right})
                             : nlohmann::json(left + " " + right));
    nlohmann::json root = {
        {"version", "1.0"},
        {"added_tokens", {{{"id", 50256}, {"content", "<|endoftext|>"}, {"special", true}}}},
        {"normalizer", nullptr},
        {"pre_tokenizer",
         {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"continuing_subword_prefix", ""},
          {"end_of_word_suffix", ""},
          {"byte_fallback", false},
          {"vocab", vocab},
          {"merges", merges}}}};
    TempDir dir;
    std::ofstream(dir.path / "tokenizer.json") << root.dump();
    auto loaded = Tokenizer::load(dir.str());
    EXPECT_EQ(loaded->eos_id(), 50256) << (pairs ? "pair merges" : "string merges");
    EXPECT_EQ(loaded->decode({50256}), "");
    expect_matches_golden(*loaded);
  }
}

TEST(BpeTokenizer, EncodesAHundredKilobyteWordInLinearishTime) {
  std::string word;
  for (int i = 0; i < 40000; ++i) word += "\xE6\xB1\x89\xE5\xAD\x97";  // 汉字, one \p{L}+ run
  const auto start = std::chrono::steady_clock::now();
  const auto ids = gpt2().encode(word);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(gpt2().decode(ids), word);
  EXPECT_LT(seconds, 5.0) << "the merge loop must not be quadratic in the word length";
}
