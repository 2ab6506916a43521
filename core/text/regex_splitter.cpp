// The PCRE2 split. Text is checked as UTF-8 once per split() (by the first match); later matches
// skip the check, so the cost stays linear in the text. Invalid text goes through a second
// compiled pattern that has PCRE2_MATCH_INVALID_UTF (PCRE2 10.34+); only then are the stretches
// between matches scanned to tell valid characters from undecodable bytes.
#include "core/text/regex_splitter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/common/core_error.h"
#include "core/text/utf8_scan.h"

namespace prefstudio {
namespace {

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeDeleter>;
using MatchDataPtr = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

std::string pcre2_message(int code) {
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(code, message, sizeof(message));
  return reinterpret_cast<char*>(message);
}

CodePtr compile(const std::string& pattern, const std::string& where, uint32_t extra_options) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_UCP | extra_options, &error_code, &error_offset, nullptr);
  if (code == nullptr)
    throw FormatError(where + ": PCRE2 refused the pattern at offset " +
                      std::to_string(error_offset) + ": " + pcre2_message(error_code));
  // JIT is a speed-up only; without it pcre2_match interprets the same pattern.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return CodePtr(code);
}

bool is_utf_error(int rc) { return rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21; }

}  // namespace

struct RegexSplitter::Impl {
  CodePtr strict;    // valid UTF-8, checked once per text
  CodePtr tolerant;  // skips undecodable bytes
};

RegexSplitter::RegexSplitter(const std::string& pattern, const std::string& where)
    : impl_(std::make_unique<Impl>()), pattern_(pattern), where_(where) {
  impl_->strict = compile(pattern, where, 0);
  impl_->tolerant = compile(pattern, where, PCRE2_MATCH_INVALID_UTF);
}

RegexSplitter::~RegexSplitter() = default;

std::vector<TextPiece> RegexSplitter::split(std::string_view text) const {
  std::vector<TextPiece> pieces;
  split_into(text, pieces);
  return pieces;
}

void RegexSplitter::split_into(std::string_view text, std::vector<TextPiece>& out) const {
  if (text.empty()) return;
  const size_t first_piece = out.size();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const pcre2_code* code = impl_->strict.get();
  MatchDataPtr match(pcre2_match_data_create_from_pattern(code, nullptr));
  if (!match) throw CoreError(where_ + ": out of memory for PCRE2 match data");
  uint32_t options = 0;  // the first match validates the whole text as UTF-8
  bool tolerant = false;
  size_t gap_start = 0;  // where the text not yet given to a piece begins
  size_t offset = 0;     // where the next match may start (past gap_start after an empty match)
  auto add_gap = [&](size_t to) {
    if (to <= gap_start) return;
    if (tolerant)
      append_utf8_runs(text, gap_start, to, out);
    else
      out.push_back({text.substr(gap_start, to - gap_start), true});
  };
  while (offset < text.size()) {
    int rc = pcre2_match(code, subject, text.size(), offset, options, match.get(), nullptr);
    if (is_utf_error(rc) && !tolerant) {
      // Invalid UTF-8 somewhere: restart on this text with the tolerant pattern.
      tolerant = true;
      code = impl_->tolerant.get();
      match.reset(pcre2_match_data_create_from_pattern(code, nullptr));
      if (!match) throw CoreError(where_ + ": out of memory for PCRE2 match data");
      out.resize(first_piece);
      gap_start = offset = 0;
      continue;
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0)
      throw CoreError(where_ + ": PCRE2 match failed at byte " + std::to_string(offset) + ": " +
                      pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    options = PCRE2_NO_UTF_CHECK;
    if (ovector[1] == ovector[0]) {
      // An empty match cuts nothing; search again one character (or one bad byte) further on.
      const size_t length = utf8_char_length(text, ovector[0]);
      offset = ovector[0] + (length > 0 ? length : 1);
      continue;
    }
    add_gap(ovector[0]);
    out.push_back({text.substr(ovector[0], ovector[1] - ovector[0]), true});
    gap_start = offset = ovector[1];
  }
  add_gap(text.size());
}

}  // namespace prefstudio
