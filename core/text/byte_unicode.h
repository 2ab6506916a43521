// GPT-2's reversible map between the 256 byte values and printable Unicode characters
// (bytes_to_unicode in OpenAI's encoder.py): byte-level BPE vocabularies spell every token with
// these characters. Only the map; BPE merging lives in bpe_tokenizer.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace prefstudio {

// UTF-8 spelling of the character that stands for each byte, e.g. byte 0x20 -> "Ġ" (U+0120).
const std::array<std::string, 256>& byte_to_unicode();

// The byte a code point stands for, or -1 when the code point is not one of the 256.
int unicode_to_byte(uint32_t code_point);

}  // namespace prefstudio
