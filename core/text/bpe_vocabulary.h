// The contents of byte-level BPE tokenizer files, read and checked for shape but not yet turned
// into lookup tables (BpeTokenizer does that). Reads vocab.json + merges.txt and the special tokens
// of a tokenizer_config.json; writes vocab.json + merges.txt. A Hugging Face tokenizer.json is read
// and written by hf_tokenizer_json.h into the same struct plus its HfPipeline.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace prefstudio {

// What a tokenizer.json declares around the BPE model. The defaults are GPT-2's own pipeline, which
// is what vocab.json + merges.txt mean.
struct HfPipeline {
  bool from_tokenizer_json = false;
  // GPT-2's own pipeline (no normalizer, the GPT-2 split alone, no ignore_merges, nothing added by
  // the post-processor): kind "gpt2-bpe", saved as vocab.json + merges.txt like GPT-2's files.
  bool gpt2_plain = true;
  bool nfc = false;              // normalizer {"type": "NFC"} (Qwen2)
  bool ignore_merges = false;    // a pre-token that is a vocabulary token is kept whole (Llama 3)
  bool merges_as_pairs = false;  // model.merges was written as ["a", "b"] pairs
  // tokenizer.json's "pre_tokenizer" (HfPretokenizer builds it); GPT-2's split by default.
  nlohmann::json pre_tokenizer = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  // Tokens the post-processor's "single" template puts before $A, e.g. {"<|begin_of_text|>"}.
  std::vector<std::string> prefix_tokens;
  // The tokenizer.json minus model.vocab and model.merges: what save() writes back around them.
  nlohmann::json declaration;
  // tokenizer_config.json as read (key order kept), written back by save(); null when none.
  nlohmann::ordered_json config;
};

struct BpeVocabulary {
  std::string source;                                       // file(s) named in errors
  std::string merges_source;                                // e.g. "/ckpt/merges.txt"
  std::vector<std::pair<std::string, int64_t>> tokens;      // byte-level spelling -> id
  std::vector<std::pair<std::string, std::string>> merges;  // rank order; merges[r] has rank r
  std::vector<std::string> merge_places;    // "line 7" or "model.merges[5]", for errors
  std::vector<std::string> special_tokens;  // decode() drops them unless keep_special
  std::string eos_token = "<|endoftext|>";  // e.g. GPT-2's end-of-text, id 50256
  bool eos_from_config = false;             // tokenizer_config.json named eos_token
  std::vector<std::string> added_tokens;    // tokenizer.json added_tokens contents, in file order
  // tokens[0, model_token_count) are model.vocab, the rest come from added_tokens only.
  size_t model_token_count = 0;
  HfPipeline pipeline;
};

// vocab.json (an object token -> integer id) and merges.txt (an optional "#version" first line,
// then "left right" per line; blank lines are skipped). Throws FormatError naming the file and,
// for merges.txt, the line that does not split in two.
BpeVocabulary read_vocab_and_merges(const std::string& vocab_path, const std::string& merges_path);

// Adds the entries of a JSON object token -> integer id to out.tokens; FormatError names `where`.
void read_vocab_object(const nlohmann::json& vocab, const std::string& where, BpeVocabulary& out);

// Splits a merge "left right" into its two tokens; false when it is not two tokens and one space.
bool split_merge_line(const std::string& line, std::pair<std::string, std::string>& merge);

// Applies tokenizer_config.json's eos_token and additional_special_tokens when the file exists, and
// keeps the whole file in vocabulary.pipeline.config.
void read_special_tokens(const std::string& config_path, BpeVocabulary& vocabulary);

// Writes vocab.json (in id order) and merges.txt ("#version: 0.2" first) into `dir`, and a
// tokenizer_config.json that Hugging Face's GPT2Tokenizer reads too. Throws CoreError on I/O.
void write_vocab_and_merges(const std::string& dir, const BpeVocabulary& vocabulary);

}  // namespace prefstudio
