// GPT-2's pre-tokenization: the regex that cuts text into words (letters, numbers, other symbols,
// whitespace runs, English contractions) before byte-level BPE merges inside each word.
// PCRE2 in UTF + UCP mode, JIT-compiled when available. Knows nothing about vocabularies.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

namespace prefstudio {

// One word of the split, a view into the text passed to split().
struct Gpt2Piece {
  std::string_view text;
  bool valid_utf8 = true;  // false: bytes PCRE2 could not read as UTF-8 (one or more bytes)
};

// Thread-safe after construction: split() allocates its own match data. Not copyable.
// Construction throws CoreError if PCRE2 refuses the pattern (it never should).
class Gpt2Pretokenizer {
 public:
  Gpt2Pretokenizer();
  ~Gpt2Pretokenizer();
  Gpt2Pretokenizer(const Gpt2Pretokenizer&) = delete;
  Gpt2Pretokenizer& operator=(const Gpt2Pretokenizer&) = delete;

  // Pieces in order; their concatenation is exactly `text`. Valid UTF-8 is split as GPT-2 does.
  // Invalid UTF-8 never crashes: each maximal run of undecodable bytes becomes its own piece with
  // valid_utf8 == false, and the valid text around it is split as if the run were not there
  // (PCRE2_MATCH_INVALID_UTF treats it as a barrier no match crosses).
  std::vector<Gpt2Piece> split(std::string_view text) const;

  // The pattern as compiled (for diagnostics and tests).
  static const char* pattern();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prefstudio
