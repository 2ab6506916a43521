// The contents of byte-level BPE tokenizer files, read and checked for shape but not yet turned
// into lookup tables (BpeTokenizer does that). Reads vocab.json + merges.txt, a Hugging Face
// tokenizer.json, and the special tokens of a tokenizer_config.json; writes vocab.json +
// merges.txt.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace prefstudio {

struct BpeVocabulary {
  std::string source;                                       // file(s) named in errors
  std::string merges_source;                                // e.g. "/ckpt/merges.txt"
  std::vector<std::pair<std::string, int64_t>> tokens;      // byte-level spelling -> id
  std::vector<std::pair<std::string, std::string>> merges;  // rank order; merges[r] has rank r
  std::vector<std::string> merge_places;    // "line 7" or "model.merges[5]", for errors
  std::vector<std::string> special_tokens;  // decode() drops them unless keep_special
  std::string eos_token = "<|endoftext|>";  // e.g. GPT-2's end-of-text, id 50256
};

// vocab.json (an object token -> integer id) and merges.txt (an optional "#version" first line,
// then "left right" per line; blank lines are skipped). Throws FormatError naming the file and,
// for merges.txt, the line that does not split in two.
BpeVocabulary read_vocab_and_merges(const std::string& vocab_path, const std::string& merges_path);

// tokenizer.json: model.type "BPE", model.vocab, model.merges ("a b" strings or ["a", "b"]
// pairs), added_tokens. Refuses (FormatError naming the field) what would change the ids and is
// not implemented: a normalizer, a pre-tokenizer other than ByteLevel without prefix space, BPE
// dropout, subword prefixes or suffixes, byte fallback.
BpeVocabulary read_hf_tokenizer_json(const std::string& path);

// Applies tokenizer_config.json's eos_token and additional_special_tokens when the file exists.
void read_special_tokens(const std::string& config_path, BpeVocabulary& vocabulary);

// Writes vocab.json (in id order) and merges.txt ("#version: 0.2" first) into `dir`, and a
// tokenizer_config.json that Hugging Face's GPT2Tokenizer reads too. Throws CoreError on I/O.
void write_vocab_and_merges(const std::string& dir, const BpeVocabulary& vocabulary);

}  // namespace prefstudio
