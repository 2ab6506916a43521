// Cuts text at the matches of one PCRE2 pattern (UTF + UCP, JIT when available), keeping both the
// matches and the text between them as pieces: Hugging Face's Split pre-tokenizer with behavior
// "Isolated", and the engine under GPT-2's split. Knows nothing about vocabularies or about
// Oniguruma syntax (oniguruma_pattern.h translates that first).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace prefstudio {

// One piece of a split, a view into the text passed to split().
struct TextPiece {
  std::string_view text;
  bool valid_utf8 = true;  // false: a maximal run of bytes that are not UTF-8
};

// Thread-safe after construction: split() allocates its own match data. Not copyable.
class RegexSplitter {
 public:
  // Compiles `pattern` (PCRE2 syntax). Throws FormatError naming `where` (a file and field, or
  // the name of a built-in pattern) with PCRE2's message and offset when it does not compile.
  RegexSplitter(const std::string& pattern, const std::string& where);
  ~RegexSplitter();
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;

  // Pieces in order; their concatenation is exactly `text`. Each match is one piece and so is
  // each stretch between matches; an empty match cuts nothing. Invalid UTF-8 never crashes: each
  // maximal run of undecodable bytes becomes its own piece with valid_utf8 == false, and no match
  // crosses it (PCRE2_MATCH_INVALID_UTF treats it as a barrier).
  std::vector<TextPiece> split(std::string_view text) const;
  // Appends the pieces of `text` to `out` (what split() returns, without a new vector).
  void split_into(std::string_view text, std::vector<TextPiece>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string pattern_;
  std::string where_;
};

}  // namespace prefstudio
