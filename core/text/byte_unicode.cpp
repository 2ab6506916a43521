// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes
// (controls, space, 0x7F-0xA0, 0xAD) take the code points 256, 257, ... in byte order.
#include "core/text/byte_unicode.h"

namespace prefstudio {
namespace {

bool is_printable_latin1(int byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

std::string utf8_of(uint32_t cp) {  // cp < 0x800 here: at most two bytes
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

struct ByteMaps {
  std::array<uint32_t, 256> code_point{};
  std::array<std::string, 256> spelling;
  ByteMaps() {
    uint32_t next_extra = 256;
    for (int byte = 0; byte < 256; ++byte) {
      code_point[byte] = is_printable_latin1(byte) ? static_cast<uint32_t>(byte) : next_extra++;
      spelling[byte] = utf8_of(code_point[byte]);
    }
  }
};

const ByteMaps& byte_maps() {
  static const ByteMaps maps;
  return maps;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() { return byte_maps().spelling; }

int unicode_to_byte(uint32_t code_point) {
  if (code_point < 256) return is_printable_latin1(static_cast<int>(code_point)) ? code_point : -1;
  // The 68 stand-ins are 256..323, assigned in byte order to the non-printable bytes.
  if (code_point >= 256 + 68) return -1;
  static const std::array<int, 68> extra_to_byte = [] {
    std::array<int, 68> table{};
    const ByteMaps& maps = byte_maps();
    for (int byte = 0; byte < 256; ++byte)
      if (maps.code_point[byte] >= 256) table[maps.code_point[byte] - 256] = byte;
    return table;
  }();
  return extra_to_byte[code_point - 256];
}

}  // namespace prefstudio
