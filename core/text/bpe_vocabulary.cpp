// Reading and writing byte-level BPE files (see bpe_vocabulary.h). Shape checks only: whether
// merges name real tokens is checked by BpeTokenizer, which builds the tables.
#include "core/text/bpe_vocabulary.h"

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/text/tokenizer_files.h"

namespace prefstudio {
namespace {

using json = nlohmann::json;

void read_vocab_object(const json& vocab, const std::string& where, BpeVocabulary& out) {
  if (!vocab.is_object()) throw FormatError(where + " must be a JSON object (token -> id)");
  out.tokens.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer())
      throw FormatError(where + ": the id of token \"" + it.key() + "\" is not an integer");
    out.tokens.emplace_back(it.key(), it.value().get<int64_t>());
  }
}

// Splits "left right" into its two tokens; nullopt-like false when it does not split in two.
bool split_merge(const std::string& line, std::pair<std::string, std::string>& merge) {
  size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= line.size()) return false;
  if (line.find(' ', space + 1) != std::string::npos) return false;
  merge = {line.substr(0, space), line.substr(space + 1)};
  return true;
}

void read_merges_text(const std::string& path, BpeVocabulary& out) {
  const std::string text = read_tokenizer_file(path);
  size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_number == 1 && line.rfind("#version", 0) == 0)) continue;
    std::pair<std::string, std::string> merge;
    if (!split_merge(line, merge))
      throw FormatError(path + " line " + std::to_string(line_number) + ": \"" + line +
                        "\" is not two tokens separated by one space");
    out.merges.push_back(std::move(merge));
    out.merge_places.push_back("line " + std::to_string(line_number));
  }
}

void read_merges_json(const json& merges, const std::string& path, BpeVocabulary& out) {
  if (!merges.is_array()) throw FormatError(path + ": model.merges must be an array");
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string place = "model.merges[" + std::to_string(i) + "]";
    const json& entry = merges[i];
    std::pair<std::string, std::string> merge;
    bool ok = false;
    if (entry.is_string()) {
      ok = split_merge(entry.get<std::string>(), merge);
    } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
               entry[1].is_string()) {
      merge = {entry[0].get<std::string>(), entry[1].get<std::string>()};
      ok = !merge.first.empty() && !merge.second.empty();
    }
    if (!ok)
      throw FormatError(path + ": " + place + " = " + entry.dump() +
                        " is neither \"a b\" nor [\"a\", \"b\"]");
    out.merges.push_back(std::move(merge));
    out.merge_places.push_back(place);
  }
}

// The fields of tokenizer.json that would change the ids if we ignored them.
void check_supported(const json& root, const std::string& path) {
  auto refuse = [&](const std::string& field, const std::string& why) {
    throw FormatError(path + ": " + field + ": " + why +
                      " (only GPT-2 byte-level BPE is supported)");
  };
  if (root.contains("normalizer") && !root["normalizer"].is_null())
    refuse("normalizer", "a normalizer is not supported");
  if (root.contains("pre_tokenizer") && !root["pre_tokenizer"].is_null()) {
    const json& pre = root["pre_tokenizer"];
    if (pre.value("type", std::string()) != "ByteLevel")
      refuse("pre_tokenizer.type",
             "must be \"ByteLevel\", got " + pre.value("type", json()).dump());
    if (pre.value("add_prefix_space", false))
      refuse("pre_tokenizer.add_prefix_space", "must be false");
    if (!pre.value("use_regex", true)) refuse("pre_tokenizer.use_regex", "must be true");
  }
  const json& model = root["model"];
  if (model.contains("type") && model["type"] != "BPE")
    refuse("model.type", "must be \"BPE\", got " + model["type"].dump());
  if (model.contains("dropout") && !model["dropout"].is_null())
    refuse("model.dropout", "must be null");
  for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (model.contains(affix) && !model[affix].is_null() && model[affix] != "")
      refuse(std::string("model.") + affix, "must be empty");
  if (model.value("byte_fallback", false)) refuse("model.byte_fallback", "must be false");
}

}  // namespace

BpeVocabulary read_vocab_and_merges(const std::string& vocab_path, const std::string& merges_path) {
  BpeVocabulary out;
  out.source = vocab_path;
  out.merges_source = merges_path;
  read_vocab_object(read_tokenizer_json(vocab_path), vocab_path, out);
  read_merges_text(merges_path, out);
  return out;
}

BpeVocabulary read_hf_tokenizer_json(const std::string& path) {
  const json root = read_tokenizer_json(path);
  if (!root.is_object() || !root.contains("model") || !root["model"].is_object())
    throw FormatError(path + ": no \"model\" object");
  check_supported(root, path);
  BpeVocabulary out;
  out.source = path;
  out.merges_source = path;
  const json& model = root["model"];
  if (!model.contains("vocab")) throw FormatError(path + ": no model.vocab");
  read_vocab_object(model["vocab"], path + ": model.vocab", out);
  if (!model.contains("merges")) throw FormatError(path + ": no model.merges");
  read_merges_json(model["merges"], path, out);
  if (root.contains("added_tokens") && !root["added_tokens"].is_null()) {
    const json& added = root["added_tokens"];
    if (!added.is_array()) throw FormatError(path + ": added_tokens must be an array");
    for (size_t i = 0; i < added.size(); ++i) {
      const json& token = added[i];
      if (!token.is_object() || !token.contains("id") || !token["id"].is_number_integer() ||
          !token.contains("content") || !token["content"].is_string())
        throw FormatError(path + ": added_tokens[" + std::to_string(i) +
                          "] needs an integer \"id\" and a string \"content\"");
      const std::string content = token["content"].get<std::string>();
      out.tokens.emplace_back(content, token["id"].get<int64_t>());
      if (token.value("special", false)) out.special_tokens.push_back(content);
    }
  }
  return out;
}

void read_special_tokens(const std::string& config_path, BpeVocabulary& vocabulary) {
  if (config_path.empty() || !std::filesystem::exists(config_path)) return;
  const json config = read_tokenizer_json(config_path);
  if (!config.is_object()) throw FormatError(config_path + ": must be a JSON object");
  std::string eos = config_token(config, "eos_token", config_path);
  if (!eos.empty()) vocabulary.eos_token = eos;
  if (config.contains("additional_special_tokens")) {
    const json& extra = config["additional_special_tokens"];
    if (!extra.is_array())
      throw FormatError(config_path + ": additional_special_tokens must be an array");
    for (size_t i = 0; i < extra.size(); ++i) {
      json holder = {{"token", extra[i]}};
      std::string token = config_token(
          holder, "token", config_path + " additional_special_tokens[" + std::to_string(i) + "]");
      if (!token.empty()) vocabulary.special_tokens.push_back(token);
    }
  }
}

void write_vocab_and_merges(const std::string& dir, const BpeVocabulary& vocabulary) {
  std::filesystem::create_directories(dir);
  // Written by hand in id order: ordered_json's operator[] is a linear search (50 K tokens).
  std::string vocab = "{";
  for (const auto& [token, id] : vocabulary.tokens)
    vocab += (vocab.size() > 1 ? ", " : "") + json(token).dump() + ": " + std::to_string(id);
  write_file_durably(dir + "/vocab.json", vocab + "}\n");

  std::string merges = "#version: 0.2\n";
  for (const auto& [left, right] : vocabulary.merges) merges += left + " " + right + "\n";
  write_file_durably(dir + "/merges.txt", merges);

  nlohmann::ordered_json config;
  config["tokenizer_class"] = "GPT2Tokenizer";  // Hugging Face reads the folder as GPT-2's
  config["prefstudio_kind"] = "gpt2-bpe";
  config["add_prefix_space"] = false;
  config["bos_token"] = vocabulary.eos_token;  // GPT-2 uses end-of-text for all three
  config["eos_token"] = vocabulary.eos_token;
  config["unk_token"] = vocabulary.eos_token;
  nlohmann::ordered_json extra = nlohmann::ordered_json::array();
  for (const std::string& token : vocabulary.special_tokens)
    if (token != vocabulary.eos_token) extra.push_back(token);
  if (!extra.empty()) config["additional_special_tokens"] = extra;
  write_file_durably(dir + "/tokenizer_config.json", config.dump(2) + "\n");
}

}  // namespace prefstudio
