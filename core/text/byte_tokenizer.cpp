// One id per byte plus end-of-text (see byte_tokenizer.h).
#include "core/text/byte_tokenizer.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/text/tokenizer_files.h"

namespace prefstudio {

namespace {
constexpr const char* kEosText = "<|endoftext|>";  // what keep_special writes for id 256
}

std::unique_ptr<ByteTokenizer> ByteTokenizer::from_config(const std::string& config_path) {
  const nlohmann::json config = read_tokenizer_json(config_path);
  if (!config.is_object() || config.value("tokenizer_class", nlohmann::json()) != "byte")
    throw FormatError(config_path + ": tokenizer_class is not \"byte\"");
  auto expect = [&](const char* field, int64_t wanted) {
    if (!config.contains(field)) return;
    const nlohmann::json& value = config[field];
    if (!value.is_number_integer() || value.get<int64_t>() != wanted)
      throw FormatError(config_path + ": field \"" + field + "\" must be " +
                        std::to_string(wanted) + " for the byte tokenizer, got " + value.dump());
  };
  expect("vocab_size", kVocabSize);
  expect("eos_id", kEosId);
  return std::make_unique<ByteTokenizer>();
}

std::vector<int64_t> ByteTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}

int64_t ByteTokenizer::special_token_id(const std::string& content) const {
  return content == kEosText ? kEosId : -1;
}

std::string ByteTokenizer::decode(const std::vector<int64_t>& ids, bool keep_special) const {
  std::string text;
  text.reserve(ids.size());
  for (int64_t id : ids) {
    if (id >= 0 && id < 256) {
      text += static_cast<char>(id);
    } else if (id == kEosId) {
      if (keep_special) text += kEosText;
    } else {
      throw CoreError("decode: token id " + std::to_string(id) +
                      " is not in the byte tokenizer's vocabulary (257 ids)");
    }
  }
  return text;
}

void ByteTokenizer::save(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  nlohmann::ordered_json config;
  config["tokenizer_class"] = "byte";
  config["prefstudio_kind"] = "byte";
  config["vocab_size"] = kVocabSize;
  config["eos_id"] = kEosId;
  config["eos_token"] = kEosText;
  write_file_durably(dir + "/tokenizer_config.json", config.dump(2) + "\n");
  std::error_code ignored;
  for (const char* stale : {"tokenizer.json", "vocab.json", "merges.txt"})
    std::filesystem::remove(std::filesystem::path(dir) / stale, ignored);
}

}  // namespace prefstudio
