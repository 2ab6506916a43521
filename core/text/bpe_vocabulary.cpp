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

using json = nlohmann::json;

namespace {

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
    if (!split_merge_line(line, merge))
      throw FormatError(path + " line " + std::to_string(line_number) + ": \"" + line +
                        "\" is not two tokens separated by one space");
    out.merges.push_back(std::move(merge));
    out.merge_places.push_back("line " + std::to_string(line_number));
  }
}

}  // namespace

void read_vocab_object(const json& vocab, const std::string& where, BpeVocabulary& out) {
  if (!vocab.is_object()) throw FormatError(where + " must be a JSON object (token -> id)");
  out.tokens.reserve(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer())
      throw FormatError(where + ": the id of token \"" + it.key() + "\" is not an integer");
    out.tokens.emplace_back(it.key(), it.value().get<int64_t>());
  }
}

bool split_merge_line(const std::string& line, std::pair<std::string, std::string>& merge) {
  size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= line.size()) return false;
  if (line.find(' ', space + 1) != std::string::npos) return false;
  merge = {line.substr(0, space), line.substr(space + 1)};
  return true;
}

BpeVocabulary read_vocab_and_merges(const std::string& vocab_path, const std::string& merges_path) {
  BpeVocabulary out;
  out.source = vocab_path;
  out.merges_source = merges_path;
  read_vocab_object(read_tokenizer_json(vocab_path), vocab_path, out);
  out.model_token_count = out.tokens.size();
  read_merges_text(merges_path, out);
  return out;
}

void read_special_tokens(const std::string& config_path, BpeVocabulary& vocabulary) {
  if (config_path.empty() || !std::filesystem::exists(config_path)) return;
  const json config = read_tokenizer_json(config_path);
  if (!config.is_object()) throw FormatError(config_path + ": must be a JSON object");
  vocabulary.pipeline.config = nlohmann::ordered_json::parse(read_tokenizer_file(config_path));
  std::string eos = config_token(config, "eos_token", config_path);
  if (!eos.empty()) {
    vocabulary.eos_token = eos;
    vocabulary.eos_from_config = true;
  }
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
