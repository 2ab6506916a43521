// UTF-8 validation for imported text. Only validates (RFC 3629: no overlongs, no surrogates, at
// most U+10FFFF); it never repairs or normalizes, because an import refuses bad input rather than
// guessing what was meant.
#pragma once

#include <cstddef>
#include <string_view>

namespace prefstudio::db {

// Returns the byte offset of the first invalid sequence in `text`, or npos if all of it is valid.
size_t find_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

}  // namespace prefstudio::db
