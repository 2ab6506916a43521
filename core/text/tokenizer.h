// Turns text into token ids and back. Three kinds: GPT-2's byte-level BPE, the byte-level BPE of a
// Hugging Face tokenizer.json (SmolLM2, Qwen2, Llama 3; ids equal Hugging Face's exactly), and a
// byte tokenizer (256 byte ids + end-of-text) for the small built-in model. Torch-free. Encoding
// never fails on valid UTF-8; invalid UTF-8 is encoded byte by byte like GPT-2. A tokenizer whose
// tokenizer_config.json has a chat template (chat_template.h) applies it to prompts in
// encode_prompt(), which every stage uses for the text before a completion.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/chat_template.h"

namespace prefstudio {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // The ids of the text itself, taken literally: "<|im_start|>" in the text is encoded as its
  // characters, never as the special token, so user content cannot inject control tokens. Adds
  // nothing before or after (see prefix_ids()).
  virtual std::vector<int64_t> encode(std::string_view text) const = 0;
  // Inverse of encode; special tokens (end-of-text, <|im_end|>, ...) decode to "" unless
  // keep_special. Added tokens that are not special (Qwen2's <tool_call>) decode to their text.
  virtual std::string decode(const std::vector<int64_t>& ids, bool keep_special = false) const = 0;
  virtual int64_t vocab_size() const = 0;
  // The end of a generation: tokenizer_config.json's eos_token when it names one (instruct models
  // name their end-of-turn token there: <|im_end|>, <|eot_id|>), else "<|endoftext|>".
  virtual int64_t eos_id() const = 0;
  // The id of a special or added token by its exact text, e.g. special_token_id("<|im_start|>");
  // -1 when the tokenizer has no such token. Ordinary vocabulary entries are not looked up.
  virtual int64_t special_token_id(const std::string& content) const = 0;
  // The ids the tokenizer's post-processor puts before a text: {<|begin_of_text|>} for Llama 3,
  // nothing for GPT-2, Qwen2, SmolLM2 and the byte tokenizer.
  virtual std::vector<int64_t> prefix_ids() const = 0;
  // "gpt2-bpe", "hf-bpe" (a tokenizer.json whose pipeline is not GPT-2's plain one) or "byte", as
  // GptConfig::tokenizer names it.
  virtual std::string kind() const = 0;
  // Writes the files that load() reads back into `dir` (tokenizer.json or vocab.json+merges.txt,
  // or tokenizer_config.json for the byte tokenizer).
  virtual void save(const std::string& dir) const = 0;

  // The ids a model sees before its completion of a user's prompt. With a chat template: the
  // prompt as one user turn plus the assistant's header (add_generation_prompt), its special
  // pieces mapped to their ids and the prompt itself encoded literally. Without: prefix_ids() then
  // encode(prompt). Completions are encoded with encode() and end with eos_id(), which a chat
  // model's tokenizer_config.json names as its end-of-turn token.
  std::vector<int64_t> encode_prompt(std::string_view prompt) const;
  const std::optional<ChatTemplate>& chat_template() const { return chat_template_; }
  // Throws FormatError naming `source` when the template emits a special text this tokenizer
  // has no token for.
  void set_chat_template(std::optional<ChatTemplate> chat_template, const std::string& source);

  // Reads a tokenizer from a checkpoint folder: tokenizer.json, else vocab.json + merges.txt, else
  // a byte tokenizer when tokenizer_config.json says so; then the chat template its
  // tokenizer_config.json holds, if any. Throws FormatError naming the file.
  static std::unique_ptr<Tokenizer> load(const std::string& dir);

 private:
  static std::unique_ptr<Tokenizer> load_vocabulary(const std::string& dir);

  std::optional<ChatTemplate> chat_template_;
};

}  // namespace prefstudio
