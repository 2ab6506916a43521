// Reads and writes a Hugging Face tokenizer.json for a byte-level BPE (GPT-2, SmolLM2, Qwen2,
// Llama 3): the model's tables into BpeVocabulary, the pipeline around them into HfPipeline.
// Whatever would change the ids and is not implemented is refused, naming the file and the field.
// Leaves out building the tables (BpeTokenizer) and the pre-tokenizer's steps (HfPretokenizer).
#pragma once

#include <string>

#include "core/text/bpe_vocabulary.h"

namespace prefstudio {

// Accepted (anything else is a FormatError "PATH: FIELD ..."):
//   normalizer      null or {"type": "NFC"}
//   pre_tokenizer   stored as declared; HfPretokenizer checks it (ByteLevel, Split, Digits,
//   Sequence) model           type "BPE"; vocab; merges as "a b" strings or ["a", "b"] pairs;
//   ignore_merges;
//                   byte_fallback false; dropout null; continuing_subword_prefix and
//                   end_of_word_suffix null or ""
//   added_tokens    each with an integer id, a string content and an optional boolean special
//   decoder         null or ByteLevel
//   post_processor  null, ByteLevel, TemplateProcessing whose "single" adds tokens only before $A
//                   (they become prefix_tokens), or a Sequence of these (Llama 3.1 ships one)
BpeVocabulary read_hf_tokenizer_json(const std::string& path);

// Writes `dir`/tokenizer.json (the declaration read back with the tables put in again, so reading
// it gives the same ids) and `dir`/tokenizer_config.json (the config as read, with eos_token and,
// when the template adds one, bos_token filled in where it had none), each through
// write_file_durably. Creates `dir`. Throws CoreError on I/O.
void write_hf_tokenizer_json(const std::string& dir, const BpeVocabulary& vocabulary);

}  // namespace prefstudio
