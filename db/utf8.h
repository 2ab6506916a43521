// UTF-8 validation for imported text (RFC 3629: no overlongs, no surrogates, at most U+10FFFF):
// an import refuses bad input rather than guessing what was meant. Sampled text is repaired
// instead (to_valid_utf8), since the store's TEXT columns and every reader assume UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prefstudio::db {

// Returns the byte offset of the first invalid sequence in `text`, or npos if all of it is valid.
size_t find_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

// `text` with every byte that starts no valid sequence replaced by U+FFFD: for text a model
// wrote (a byte-level model can emit any byte), never for imports, which refuse instead.
std::string to_valid_utf8(std::string_view text);

}  // namespace prefstudio::db
