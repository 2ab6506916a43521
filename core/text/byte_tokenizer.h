// The byte tokenizer of the small built-in model: ids 0..255 are the bytes of the text, 256 is
// end-of-text (vocabulary 257). Any byte string encodes, so decode(encode(s)) == s always.
// Leaves out merges of any kind: one token per byte.
#pragma once

#include <string>

#include "core/text/tokenizer.h"

namespace prefstudio {

// Stateless and thread-safe.
class ByteTokenizer : public Tokenizer {
 public:
  static constexpr int64_t kEosId = 256;
  static constexpr int64_t kVocabSize = 257;

  // Checks a tokenizer_config.json that says {"tokenizer_class": "byte"}: vocab_size and eos_id,
  // when present, must be 257 and 256. Throws FormatError naming the file and the field.
  static std::unique_ptr<ByteTokenizer> from_config(const std::string& config_path);

  std::vector<int64_t> encode(std::string_view text) const override;
  // Throws CoreError for an id outside [0, 257).
  std::string decode(const std::vector<int64_t>& ids, bool keep_special = false) const override;
  int64_t vocab_size() const override { return kVocabSize; }
  int64_t eos_id() const override { return kEosId; }
  std::string kind() const override { return "byte"; }
  // "<|endoftext|>" -> kEosId, anything else -1.
  int64_t special_token_id(const std::string& content) const override;
  std::vector<int64_t> prefix_ids() const override { return {}; }
  // Writes tokenizer_config.json {"tokenizer_class": "byte", ...} (temporary file renamed into
  // place; creates `dir`) and removes tokenizer.json, vocab.json and merges.txt there, which
  // load() would otherwise prefer.
  void save(const std::string& dir) const override;
};

}  // namespace prefstudio
