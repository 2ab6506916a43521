// The GPT-2 split with PCRE2. Text is checked as UTF-8 once per split() (by the first match);
// later matches skip the check, so the cost stays linear in the text. Invalid text goes through a
// second compiled pattern that has PCRE2_MATCH_INVALID_UTF (PCRE2 10.34+).
#include "core/text/gpt2_pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>

#include "core/common/core_error.h"

namespace prefstudio {
namespace {

// GPT-2's pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ with
// \s spelled out as [\t-\r\x{85}\p{Z}]: that is \s in Python's `regex` module (OpenAI's encoder)
// and in Oniguruma (Hugging Face tokenizers). PCRE2's own \s under UCP also takes U+180E (it is in
// PCRE2's \h list), which would split "a\u180Eb" differently.
constexpr const char* kPattern =
    "'s|'t|'re|'ve|'m|'ll|'d"
    "| ?\\p{L}+"
    "| ?\\p{N}+"
    "| ?[^\\t-\\r\\x{85}\\p{Z}\\p{L}\\p{N}]+"
    "|[\\t-\\r\\x{85}\\p{Z}]+(?![^\\t-\\r\\x{85}\\p{Z}])"
    "|[\\t-\\r\\x{85}\\p{Z}]+";

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeDeleter>;
using MatchDataPtr = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

CodePtr compile(uint32_t extra_options) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED,
                    PCRE2_UTF | PCRE2_UCP | extra_options, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    throw CoreError("GPT-2 pre-tokenizer: PCRE2 refused the pattern at offset " +
                    std::to_string(error_offset) + ": " + reinterpret_cast<char*>(message));
  }
  // JIT is a speed-up only; without it pcre2_match interprets the same pattern.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return CodePtr(code);
}

bool is_utf_error(int rc) { return rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21; }

}  // namespace

struct Gpt2Pretokenizer::Impl {
  CodePtr strict = compile(0);                          // valid UTF-8, checked once per text
  CodePtr tolerant = compile(PCRE2_MATCH_INVALID_UTF);  // skips undecodable bytes
};

Gpt2Pretokenizer::Gpt2Pretokenizer() : impl_(std::make_unique<Impl>()) {}
Gpt2Pretokenizer::~Gpt2Pretokenizer() = default;

const char* Gpt2Pretokenizer::pattern() { return kPattern; }

std::vector<Gpt2Piece> Gpt2Pretokenizer::split(std::string_view text) const {
  std::vector<Gpt2Piece> pieces;
  if (text.empty()) return pieces;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const pcre2_code* code = impl_->strict.get();
  MatchDataPtr match(pcre2_match_data_create_from_pattern(code, nullptr));
  if (!match) throw CoreError("GPT-2 pre-tokenizer: out of memory for match data");
  uint32_t options = 0;  // the first match validates the whole text as UTF-8
  size_t offset = 0;
  while (offset < text.size()) {
    int rc = pcre2_match(code, subject, text.size(), offset, options, match.get(), nullptr);
    if (is_utf_error(rc) && code == impl_->strict.get()) {
      // Invalid UTF-8 somewhere: restart on this text with the tolerant pattern.
      code = impl_->tolerant.get();
      match.reset(pcre2_match_data_create_from_pattern(code, nullptr));
      if (!match) throw CoreError("GPT-2 pre-tokenizer: out of memory for match data");
      pieces.clear();
      offset = 0;
      continue;
    }
    if (rc == PCRE2_ERROR_NOMATCH) {
      // Only undecodable bytes remain (every valid character matches some alternative).
      pieces.push_back({text.substr(offset), false});
      break;
    }
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof(message));
      throw CoreError("GPT-2 pre-tokenizer: PCRE2 match failed at byte " + std::to_string(offset) +
                      ": " + reinterpret_cast<char*>(message));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    if (ovector[0] > offset) pieces.push_back({text.substr(offset, ovector[0] - offset), false});
    pieces.push_back({text.substr(ovector[0], ovector[1] - ovector[0]), true});
    offset = ovector[1];
    options = PCRE2_NO_UTF_CHECK;
  }
  return pieces;
}

}  // namespace prefstudio
