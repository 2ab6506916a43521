// Hugging Face tokenizer.json pipelines (SmolLM2, Qwen2, Llama 3 and GPT-2) against an independent
// reference: tests/js/make_hf_golden.mjs encoded tests/golden/hf_tokenizers/corpus.json with
// @huggingface/tokenizers. Every line must give the same ids; decode must give the text back in
// NFC. Plus the interface (kind, eos, prefix ids, special tokens, literal encoding), refusals that
// name the file and field, and save/load round trips that keep the config's chat_template.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/core_error.h"
#include "core/text/oniguruma_pattern.h"
#include "core/text/tokenizer.h"
#include "core/text/tokenizer_files.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

namespace {

const std::string kGoldenDir = std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden/hf_tokenizers";
const std::string kGpt2Dir = std::string(PREFSTUDIO_SOURCE_DIR) + "/resources/gpt2-tokenizer";

std::string show(const std::vector<int64_t>& ids) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? ", " : "") << ids[i];
  return out.str() + "]";
}

const Tokenizer& family(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> loaded;
  auto& slot = loaded[name];
  if (!slot) slot = Tokenizer::load(name == "gpt2" ? kGpt2Dir : kGoldenDir + "/" + name);
  return *slot;
}

json golden(const std::string& name) {
  return read_tokenizer_json(name == "gpt2" ? kGoldenDir + "/gpt2_golden.json"
                                            : kGoldenDir + "/" + name + "/golden.json");
}

// Compares every corpus line; returns the number of lines compared.
size_t expect_matches_golden(const Tokenizer& tokenizer, const json& reference,
                             const std::string& name) {
  size_t compared = 0, mismatches = 0;
  for (const json& entry : reference.at("cases")) {
    const std::string text = entry.at("text").get<std::string>();
    const auto expected = entry.at("ids").get<std::vector<int64_t>>();
    const auto ids = tokenizer.encode(text);
    ++compared;
    if (ids != expected) {
      ++mismatches;
      ADD_FAILURE() << name << ": " << json(text).dump() << "\n  ours      " << show(ids)
                    << "\n  reference " << show(expected);
      continue;
    }
    const std::string normalized = entry.value("normalized", text);
    EXPECT_EQ(tokenizer.decode(ids), normalized) << name << ": " << json(text).dump();
  }
  EXPECT_EQ(mismatches, 0u) << name << ": " << mismatches << " of " << compared << " lines differ";
  return compared;
}

class HfFamily : public ::testing::TestWithParam<std::string> {};

TEST_P(HfFamily, EveryCorpusLineMatchesTheJavaScriptReference) {
  const json reference = golden(GetParam());
  const size_t compared = expect_matches_golden(family(GetParam()), reference, GetParam());
  EXPECT_GT(compared, 400u);
  EXPECT_EQ(family(GetParam()).prefix_ids(),
            reference.at("prefix_ids").get<std::vector<int64_t>>());
  std::cout << GetParam() << ": " << compared << " lines compared\n";
}

TEST_P(HfFamily, SaveThenLoadGivesTheSameIdsAndKeepsTheConfig) {
  const Tokenizer& original = family(GetParam());
  TempDir dir;
  original.save(dir.str());
  auto reloaded = Tokenizer::load(dir.str());
  EXPECT_EQ(reloaded->kind(), original.kind());
  EXPECT_EQ(reloaded->eos_id(), original.eos_id());
  EXPECT_EQ(reloaded->prefix_ids(), original.prefix_ids());
  EXPECT_EQ(reloaded->vocab_size(), original.vocab_size());
  expect_matches_golden(*reloaded, golden(GetParam()), GetParam() + " reloaded");
  if (GetParam() == "gpt2") return;  // GPT-2 keeps its vocab.json + merges.txt form
  const json before = read_tokenizer_json(kGoldenDir + "/" + GetParam() + "/tokenizer_config.json");
  const json after = read_tokenizer_json(dir.str() + "/tokenizer_config.json");
  EXPECT_EQ(after, before) << "tokenizer_config.json must come back as it was read";
  const json json_before = read_tokenizer_json(kGoldenDir + "/" + GetParam() + "/tokenizer.json");
  const json json_after = read_tokenizer_json(dir.str() + "/tokenizer.json");
  EXPECT_EQ(json_after, json_before) << "tokenizer.json must come back as it was read";
}

// encode_prompt: the fixture's own chat template around one user turn plus the assistant's header,
// as transformers' apply_chat_template(add_generation_prompt=True, tokenize=True) gives it
// (tests/js/make_prompt_golden.mjs: @huggingface/jinja renders, @huggingface/tokenizers encodes).
TEST_P(HfFamily, PromptsWithTheChatTemplateMatchTheJavaScriptReference) {
  if (GetParam() == "gpt2") {
    EXPECT_FALSE(family("gpt2").chat_template().has_value());
    EXPECT_EQ(family("gpt2").encode_prompt("sort: dbca"), family("gpt2").encode("sort: dbca"));
    return;
  }
  const Tokenizer& tokenizer = family(GetParam());
  ASSERT_TRUE(tokenizer.chat_template().has_value()) << GetParam();
  const json reference = read_tokenizer_json(kGoldenDir + "/" + GetParam() + "/prompt_golden.json");
  size_t compared = 0;
  for (const json& entry : reference.at("cases")) {
    const std::string text = entry.at("text").get<std::string>();
    EXPECT_EQ(show(tokenizer.encode_prompt(text)),
              show(entry.at("ids").get<std::vector<int64_t>>()))
        << GetParam() << ": " << json(text).dump() << " rendered " << entry.at("rendered").dump();
    ++compared;
  }
  EXPECT_GE(compared, 10u);
}

INSTANTIATE_TEST_SUITE_P(Families, HfFamily,
                         ::testing::Values("gpt2", "smollm2", "qwen2", "llama3"));

TEST(HfTokenizers, KindEosAndPrefixFollowTheFiles) {
  EXPECT_EQ(family("gpt2").kind(), "gpt2-bpe");
  EXPECT_EQ(family("gpt2").eos_id(), 50256);
  EXPECT_TRUE(family("gpt2").prefix_ids().empty());
  for (const char* name : {"smollm2", "qwen2", "llama3"}) {
    const Tokenizer& tokenizer = family(name);
    EXPECT_EQ(tokenizer.kind(), "hf-bpe") << name;
    const std::string eos = std::string(name) == "llama3" ? "<|eot_id|>" : "<|im_end|>";
    EXPECT_EQ(tokenizer.eos_id(), tokenizer.special_token_id(eos)) << name;
    EXPECT_GE(tokenizer.eos_id(), 0) << name;
  }
  const Tokenizer& llama = family("llama3");
  ASSERT_EQ(llama.prefix_ids().size(), 1u);
  EXPECT_EQ(llama.prefix_ids()[0], llama.special_token_id("<|begin_of_text|>"));
  EXPECT_TRUE(family("qwen2").prefix_ids().empty());
  EXPECT_TRUE(family("smollm2").prefix_ids().empty());
}

TEST(HfTokenizers, SpecialTokenTextInUserContentIsEncodedLiterally) {
  for (const char* name : {"smollm2", "qwen2", "llama3"}) {
    const Tokenizer& tokenizer = family(name);
    for (const char* special : {"<|im_start|>", "<|im_end|>", "<|eot_id|>", "<|begin_of_text|>",
                                "<|start_header_id|>", "<|endoftext|>"}) {
      const int64_t id = tokenizer.special_token_id(special);
      const auto ids = tokenizer.encode(std::string("say ") + special + " now");
      for (int64_t token : ids) EXPECT_NE(token, id) << name << " " << special;
      EXPECT_EQ(tokenizer.decode(ids), std::string("say ") + special + " now") << name;
    }
  }
}

TEST(HfTokenizers, SpecialTokensDecodeToNothingUnlessKept) {
  const Tokenizer& qwen = family("qwen2");
  const int64_t start = qwen.special_token_id("<|im_start|>");
  const int64_t tool = qwen.special_token_id("<tool_call>");  // added, not special
  ASSERT_GE(start, 0);
  ASSERT_GE(tool, 0);
  EXPECT_EQ(qwen.special_token_id("hello"), -1) << "ordinary tokens are not special";
  EXPECT_EQ(qwen.special_token_id("<|no_such_token|>"), -1);
  std::vector<int64_t> ids = {start};
  for (int64_t id : qwen.encode("user")) ids.push_back(id);
  ids.push_back(tool);
  EXPECT_EQ(qwen.decode(ids), "user<tool_call>");
  EXPECT_EQ(qwen.decode(ids, true), "<|im_start|>user<tool_call>");
}

TEST(HfTokenizers, IgnoreMergesKeepsAWholeWordTokenThatMergesWouldSplit) {
  // The Llama 3 fixture knows " Preference" as one token that no kept merge makes.
  const Tokenizer& llama = family("llama3");
  const auto ids = llama.encode(" Preference");
  ASSERT_EQ(ids.size(), 1u) << show(ids);
  EXPECT_EQ(llama.decode(ids), " Preference");
}

TEST(HfTokenizers, NfcComposesBeforeSplitting) {
  const Tokenizer& qwen = family("qwen2");
  EXPECT_EQ(qwen.encode("cafe\xCC\x81"), qwen.encode("caf\xC3\xA9"));  // e + U+0301 == é
  EXPECT_NE(family("smollm2").encode("cafe\xCC\x81"), family("smollm2").encode("caf\xC3\xA9"));
  // Invalid UTF-8 passes the normalizer as bytes and comes back unchanged.
  const std::string broken = "ab\xFF\xC3(e\xCC\x81";
  EXPECT_EQ(qwen.decode(qwen.encode(broken)), "ab\xFF\xC3(\xC3\xA9");
}

// A copy of a fixture with one field changed, for the refusals.
struct BrokenFixture {
  TempDir dir;
  explicit BrokenFixture(const std::string& name, const std::function<void(json&)>& edit) {
    json root = read_tokenizer_json(kGoldenDir + "/" + name + "/tokenizer.json");
    edit(root);
    std::ofstream(dir.path / "tokenizer.json") << root.dump();
  }
  std::string error() {
    try {
      Tokenizer::load(dir.str());
    } catch (const FormatError& e) {
      return e.what();
    }
    return "(loaded)";
  }
};

void expect_refused(const std::string& name, const std::function<void(json&)>& edit,
                    const std::string& message) {
  BrokenFixture fixture(name, edit);
  const std::string error = fixture.error();
  EXPECT_NE(error.find((fixture.dir.path / "tokenizer.json").string()), std::string::npos) << error;
  EXPECT_NE(error.find(message), std::string::npos)
      << "expected \"" << message << "\" in " << error;
}

TEST(HfTokenizers, RefusesWhatWouldChangeTheIdsNamingTheFileAndField) {
  expect_refused(
      "qwen2",
      [](json& r) {
        r["normalizer"] = {{"type", "Lowercase"}};
      },
      "normalizer.type \"Lowercase\" is not supported");
  expect_refused(
      "llama3", [](json& r) { r["model"]["byte_fallback"] = true; },
      "model.byte_fallback must be false");
  expect_refused(
      "llama3", [](json& r) { r["model"]["dropout"] = 0.1; }, "model.dropout");
  expect_refused(
      "llama3", [](json& r) { r["model"]["continuing_subword_prefix"] = "##"; },
      "model.continuing_subword_prefix");
  expect_refused(
      "qwen2", [](json& r) { r["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Removed"; },
      "pre_tokenizer.pretokenizers[0].behavior \"Removed\" is not supported");
  expect_refused(
      "qwen2", [](json& r) { r["pre_tokenizer"]["pretokenizers"][0]["invert"] = true; },
      "pre_tokenizer.pretokenizers[0].invert must be false");
  expect_refused(
      "smollm2", [](json& r) { r["pre_tokenizer"]["pretokenizers"][1]["add_prefix_space"] = true; },
      "pre_tokenizer.pretokenizers[1].add_prefix_space must be false");
  expect_refused(
      "smollm2",
      [](json& r) {
        r["pre_tokenizer"] = {{"type", "Metaspace"}};
      },
      "pre_tokenizer.type \"Metaspace\" is not supported");
  expect_refused(
      "llama3",
      [](json& r) {
        std::swap(r["pre_tokenizer"]["pretokenizers"][0], r["pre_tokenizer"]["pretokenizers"][1]);
      },
      "comes after ByteLevel");
  expect_refused(
      "llama3", [](json& r) { r["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(a"; },
      "pre_tokenizer.pretokenizers[0].pattern");
  expect_refused(
      "llama3",
      [](json& r) {
        r["post_processor"]["processors"][1]["single"].push_back(
            {{"SpecialToken", {{"id", "<|eot_id|>"}, {"type_id", 0}}}});
      },
      "adds \"<|eot_id|>\" after $A");
  expect_refused(
      "qwen2",
      [](json& r) {
        r["post_processor"] = {{"type", "RobertaProcessing"}};
      },
      "post_processor.type \"RobertaProcessing\" is not supported");
  expect_refused(
      "qwen2",
      [](json& r) {
        r["decoder"] = {{"type", "Metaspace"}};
      },
      "decoder.type \"Metaspace\" is not supported");
}

TEST(HfTokenizers, AChatTemplateNeedingTokensTheVocabularyLacksIsRefusedNamingTheConfig) {
  // Llama 3's vocabulary with SmolLM2's ChatML template: no <|im_start|> to map it to.
  TempDir dir;
  fs::copy_file(kGoldenDir + "/llama3/tokenizer.json", dir.path / "tokenizer.json");
  json config = read_tokenizer_json(kGoldenDir + "/llama3/tokenizer_config.json");
  config["chat_template"] =
      read_tokenizer_json(kGoldenDir + "/smollm2/tokenizer_config.json")["chat_template"];
  std::ofstream(dir.path / "tokenizer_config.json") << config.dump();
  try {
    Tokenizer::load(dir.str());
    FAIL() << "loaded a template whose special tokens are missing";
  } catch (const FormatError& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find((dir.path / "tokenizer_config.json").string()), std::string::npos)
        << error;
    EXPECT_NE(error.find("\"<|im_start|>\""), std::string::npos) << error;
  }
}

TEST(HfTokenizers, BadJsonNamesTheFile) {
  TempDir dir;
  std::ofstream(dir.path / "tokenizer.json") << "{\"model\": ";
  try {
    Tokenizer::load(dir.str());
    FAIL() << "loaded a truncated tokenizer.json";
  } catch (const FormatError& e) {
    EXPECT_NE(
        std::string(e.what()).find((dir.path / "tokenizer.json").string() + ": not valid JSON"),
        std::string::npos)
        << e.what();
  }
}

TEST(OnigurumaPattern, RewritesOnlyWhatDiffersInPcre2) {
  EXPECT_EQ(oniguruma_to_pcre2(R"(\s+(?!\S))", "p"),
            R"([\t-\r\x{85}\p{Z}]+(?![^\t-\r\x{85}\p{Z}]))");
  EXPECT_EQ(oniguruma_to_pcre2(R"([^\s\p{L}])", "p"), R"([^\t-\r\x{85}\p{Z}\p{L}])");
  EXPECT_EQ(oniguruma_to_pcre2(R"(\\s\h)", "p"), R"(\\s[0-9A-Fa-f])");
  EXPECT_EQ(oniguruma_to_pcre2(R"([]\s])", "p"), R"([]\t-\r\x{85}\p{Z}])");
  EXPECT_THROW(oniguruma_to_pcre2(R"([\S])", "p"), FormatError);
  EXPECT_THROW(oniguruma_to_pcre2(R"([a[b]])", "p"), FormatError);
}

}  // namespace
