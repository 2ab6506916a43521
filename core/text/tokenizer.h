// Turns text into token ids and back. Two kinds: GPT-2's byte-level BPE (ids equal Hugging Face's
// exactly) and a byte tokenizer (256 byte ids + end-of-text) for the small built-in model.
// Torch-free. Encoding never fails on valid UTF-8; invalid UTF-8 is encoded byte by byte like GPT-2.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace prefstudio {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::vector<int64_t> encode(std::string_view text) const = 0;
  // Inverse of encode; the end-of-text id decodes to "" unless keep_special.
  virtual std::string decode(const std::vector<int64_t>& ids, bool keep_special = false) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t eos_id() const = 0;
  // "gpt2-bpe" or "byte", as GptConfig::tokenizer names it.
  virtual std::string kind() const = 0;
  // Writes the files that load() reads back into `dir` (tokenizer.json or vocab.json+merges.txt,
  // or tokenizer_config.json for the byte tokenizer).
  virtual void save(const std::string& dir) const = 0;

  // Reads a tokenizer from a checkpoint folder: tokenizer.json, else vocab.json + merges.txt, else
  // a byte tokenizer when tokenizer_config.json says so. Throws FormatError naming the file.
  static std::unique_ptr<Tokenizer> load(const std::string& dir);
};

}  // namespace prefstudio
