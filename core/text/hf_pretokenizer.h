// The pre-tokenizer a Hugging Face tokenizer.json declares, built from that declaration: a chain
// of regex splits applied piece by piece, as the Rust library's Sequence does. Supported: ByteLevel
// (use_regex: GPT-2's split; add_prefix_space false), Split (a Regex or String pattern, behavior
// Isolated, invert false), Digits (individual_digits true or false), and Sequence of these.
// Leaves out: Whitespace, Metaspace, Punctuation, BERT's and the other behaviors; they are refused.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/regex_splitter.h"

namespace prefstudio {

// Thread-safe after construction. Not copyable (holds compiled patterns).
class HfPretokenizer {
 public:
  // `declaration` is tokenizer.json's "pre_tokenizer" value. The byte-level BPE needs exactly one
  // ByteLevel step and it must come last (the steps before it see the text, not byte symbols).
  // Throws FormatError "PATH: pre_tokenizer.pretokenizers[1].behavior ..." naming the field for
  // anything else, and for a pattern PCRE2 cannot compile.
  HfPretokenizer(const nlohmann::json& declaration, const std::string& path);
  ~HfPretokenizer();

  // Pieces in order; their concatenation is exactly `text`. Undecodable bytes come out as their
  // own pieces (valid_utf8 == false) and pass the later steps untouched.
  std::vector<TextPiece> split(std::string_view text) const;

  // True for GPT-2's own pipeline: a single ByteLevel with use_regex.
  bool is_gpt2_split() const { return gpt2_only_; }

 private:
  void add_step(const nlohmann::json& step, const std::string& field, const std::string& path);

  std::vector<std::unique_ptr<RegexSplitter>> steps_;  // applied in order
  int byte_level_steps_ = 0;
  bool byte_level_seen_ = false;
  bool gpt2_only_ = false;
};

}  // namespace prefstudio
