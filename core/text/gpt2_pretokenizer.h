// GPT-2's pre-tokenization: the regex that cuts text into words (letters, numbers, other symbols,
// whitespace runs, English contractions) before byte-level BPE merges inside each word. Also what
// a tokenizer.json's ByteLevel pre-tokenizer with use_regex does. A RegexSplitter over GPT-2's
// pattern; knows nothing about vocabularies.
#pragma once

#include <string_view>
#include <vector>

#include "core/text/regex_splitter.h"

namespace prefstudio {

using Gpt2Piece = TextPiece;

// Thread-safe after construction. Not copyable.
// Construction throws FormatError if PCRE2 refuses the pattern (it never should).
class Gpt2Pretokenizer {
 public:
  Gpt2Pretokenizer();

  // Pieces in order; their concatenation is exactly `text`. Valid UTF-8 is split as GPT-2 does.
  // Invalid UTF-8 never crashes: each maximal run of undecodable bytes becomes its own piece with
  // valid_utf8 == false, and the valid text around it is split as if the run were not there
  // (every valid character matches some alternative, so only such runs fall between matches).
  std::vector<Gpt2Piece> split(std::string_view text) const { return splitter_.split(text); }
  void split_into(std::string_view text, std::vector<Gpt2Piece>& out) const {
    splitter_.split_into(text, out);
  }

  // The pattern as compiled (for diagnostics and tests).
  static const char* pattern();

 private:
  RegexSplitter splitter_;
};

}  // namespace prefstudio
