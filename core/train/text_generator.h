// Text in, sampled completions out: loads a checkpoint folder and samples with the KV cache (see
// sampler.h), for the CLI's generate command, the demo and the GUI. Torch-free public header
// (pimpl), so app/ and ui/ can use it. Not thread-safe: one TextGenerator per thread; it owns its
// model and tokenizer. Load errors throw FormatError naming the folder and file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/train/generation_config.h"

namespace prefstudio {

struct GeneratedText {
  std::string text;
  std::string finish_reason;  // "eos": the model ended it; "length": max_new_tokens cut it
  bool operator==(const GeneratedText& other) const {
    return text == other.text && finish_reason == other.finish_reason;
  }
  bool operator!=(const GeneratedText& other) const { return !(*this == other); }
};

class TextGenerator {
 public:
  // Loads `model_dir` onto `device` ("cpu", "cuda", ...). Throws FormatError / ConfigError.
  explicit TextGenerator(const std::string& model_dir, const std::string& device = "cpu");
  ~TextGenerator();
  TextGenerator(const TextGenerator&) = delete;
  TextGenerator& operator=(const TextGenerator&) = delete;

  // SHA-256 of the checkpoint's model.safetensors (the models table's key).
  const std::string& content_hash() const;

  // `per_prompt` completions of every prompt (decoded, end-of-text dropped, with the reason they
  // ended), grouped by prompt.
  // Rows (prompt copies) are decoded config.batch_size at a time, in order, with one generator
  // seeded by `seed`: the same call gives the same text. Throws CoreError for a prompt too long.
  std::vector<std::vector<GeneratedText>> complete(const std::vector<std::string>& prompts,
                                                 int64_t per_prompt, const GenerationConfig& config,
                                                 uint64_t seed);

  // Tokens generated since construction (for tokens/s).
  int64_t tokens_generated() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prefstudio
