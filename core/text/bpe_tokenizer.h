// Byte-level BPE: GPT-2's own (vocab.json + merges.txt, kind "gpt2-bpe") and the Hugging Face
// tokenizer.json pipelines built on it (SmolLM2, Qwen2, Llama 3: kind "hf-bpe"). Text goes through
// the optional NFC normalizer, the declared pre-tokenizer (HfPretokenizer), then OpenAI's merge
// rule inside each piece, so the ids equal those of encoder.py and of Hugging Face's tokenizers.
// Leaves out: other normalizers and pre-tokenizers, BPE dropout, byte fallback (all refused when
// read), and the splitting of added tokens out of text (encode() is literal, see below).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/text/bpe_vocabulary.h"
#include "core/text/hf_pretokenizer.h"
#include "core/text/nfc_normalizer.h"
#include "core/text/tokenizer.h"

namespace prefstudio {

// encode() treats its text literally: "<|endoftext|>" or "<|im_start|>" inside the text is encoded
// as its characters, never as a special id (Hugging Face would match added tokens first; user
// content must not be able to inject them); callers add special ids themselves (prefix_ids(),
// special_token_id()). Nor does ignore_merges ever map a piece to an added token. Invalid UTF-8 is
// encoded byte by byte: each undecodable byte becomes the id of that single byte, so decode()
// returns the input unchanged for any byte string (NFC aside: the valid text comes back in NFC).
// Thread-safe: encode() may run on several threads (a mutex guards the word cache).
class BpeTokenizer : public Tokenizer {
 public:
  // Builds the tables; throws FormatError naming vocabulary.source when a merge names a token that
  // is not in the vocabulary, a merge's result is missing, ids repeat or are negative, a byte has
  // no token, the end-of-text or a template's token is missing, or the pre-tokenizer is refused.
  explicit BpeTokenizer(const BpeVocabulary& vocabulary);

  // Reads the files (see bpe_vocabulary.h and hf_tokenizer_json.h for what each accepts);
  // `config_path` is an optional tokenizer_config.json naming eos_token and
  // additional_special_tokens ("" or a missing file: "<|endoftext|>", or Llama 3's
  // "<|end_of_text|>" when only that exists). Throws FormatError naming the file and the line,
  // token or field.
  static std::unique_ptr<BpeTokenizer> from_vocab_and_merges(const std::string& vocab_path,
                                                             const std::string& merges_path,
                                                             const std::string& config_path = "");
  static std::unique_ptr<BpeTokenizer> from_tokenizer_json(const std::string& path,
                                                           const std::string& config_path = "");

  std::vector<int64_t> encode(std::string_view text) const override;
  // Throws CoreError for an id outside [0, vocab_size()) or one no token has.
  std::string decode(const std::vector<int64_t>& ids, bool keep_special = false) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(id_to_bytes_.size()); }
  int64_t eos_id() const override { return eos_id_; }
  std::string kind() const override { return pipeline_.gpt2_plain ? "gpt2-bpe" : "hf-bpe"; }
  int64_t special_token_id(const std::string& content) const override;
  std::vector<int64_t> prefix_ids() const override { return prefix_ids_; }
  // "gpt2-bpe": writes vocab.json, merges.txt and tokenizer_config.json and removes a
  // tokenizer.json there, which load() would prefer. "hf-bpe": writes tokenizer.json (the same
  // pipeline) and tokenizer_config.json (the one it was read with, chat_template and all). Each
  // file goes to a temporary file renamed into place; creates `dir`.
  void save(const std::string& dir) const override;

  // The token id for a byte-level spelling such as "Ġworld", or -1.
  int64_t token_id(const std::string& spelling) const;
  int64_t merge_count() const { return static_cast<int64_t>(merge_pairs_.size()); }
  // The tables as file contents again (what save() writes).
  BpeVocabulary vocabulary() const;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  void build_tokens(const BpeVocabulary& vocabulary);
  void build_prefix(const BpeVocabulary& vocabulary);
  void build_merges(const BpeVocabulary& vocabulary);
  void encode_word(std::string_view word, std::vector<int64_t>& out) const;
  void merge_symbols(std::vector<int32_t>& ids) const;

  HfPipeline pipeline_;  // as read; pre_tokenizer and declaration are what save() writes back
  std::unique_ptr<HfPretokenizer> pretokenizer_;  // built first: its refusals come before tables'
  std::unique_ptr<NfcNormalizer> nfc_;            // null: no normalizer
  std::unordered_map<std::string, int32_t> token_to_id_;
  std::vector<std::string> id_to_token_;  // byte-level spelling; "" for ids no token has
  std::vector<std::string> id_to_bytes_;  // what decode() writes for each id
  std::vector<bool> has_token_;
  std::vector<bool> is_special_;
  std::vector<bool> is_added_;             // from tokenizer.json's added_tokens, special or not
  std::vector<bool> in_model_vocab_;       // from model.vocab (or vocab.json)
  std::vector<std::string> added_tokens_;  // added_tokens contents in file order, for vocabulary()
  std::vector<int64_t> prefix_ids_;
  std::array<int32_t, 256> byte_id_{};
  std::unordered_map<uint64_t, Merge> merges_;            // (left id, right id) -> rank, result
  std::vector<std::pair<int32_t, int32_t>> merge_pairs_;  // rank order, for save()
  int64_t eos_id_ = -1;
  std::string source_;  // the file(s) it was read from, for messages

  // Word -> ids for short words: most words of a text repeat. Bounded: cleared when full.
  static constexpr size_t kCacheMaxWords = 1 << 16;
  static constexpr size_t kCacheMaxWordBytes = 64;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace prefstudio
