// Where UTF-8 text is valid: the length of one encoded character, and a cut of bytes into runs of
// valid characters and runs of undecodable bytes. Header-only; shared by the splitters and the NFC
// normalizer, which must all agree on what "invalid" means. Leaves out decoding to code points.
#pragma once

#include <string_view>
#include <vector>

#include "core/text/regex_splitter.h"

namespace prefstudio {

// Length of the UTF-8 character at text[i], or 0 when the bytes there are not one. PCRE2's rules:
// no overlong forms, no surrogates, nothing past U+10FFFF.
inline size_t utf8_char_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return length;
}

// Appends text[from, to) as alternating pieces of valid characters and undecodable bytes.
inline void append_utf8_runs(std::string_view text, size_t from, size_t to,
                             std::vector<TextPiece>& out) {
  size_t start = from;
  bool valid = true;
  size_t i = from;
  while (i < to) {
    const size_t length = utf8_char_length(text, i);
    const bool here_valid = length > 0 && i + length <= to;
    if (here_valid != valid && i > start) {
      out.push_back({text.substr(start, i - start), valid});
      start = i;
    }
    valid = here_valid;
    i += here_valid ? length : 1;
  }
  if (to > start) out.push_back({text.substr(start, to - start), valid});
}

}  // namespace prefstudio
