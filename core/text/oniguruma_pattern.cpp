// Oniguruma -> PCRE2 pattern translation (see oniguruma_pattern.h). A single left-to-right pass
// that knows whether it is inside a character class (nested classes are refused); escapes are
// copied whole so that "\\s" (an escaped backslash, then "s") is never mistaken for \s.
#include "core/text/oniguruma_pattern.h"

#include "core/common/core_error.h"

namespace prefstudio {
namespace {

constexpr const char* kSpaceMembers = "\\t-\\r\\x{85}\\p{Z}";  // Oniguruma's Unicode \s
constexpr const char* kHexMembers = "0-9A-Fa-f";

}  // namespace

std::string oniguruma_to_pcre2(const std::string& pattern, const std::string& where) {
  std::string out;
  out.reserve(pattern.size() + 32);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c != '\\') {
      if (c == '[' && !in_class) {
        in_class = true;
        out += c;
        // A ']' right after '[' or '[^' is a literal member, not the end of the class.
        if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
        if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
        continue;
      }
      if (c == '[' && in_class && (i + 1 >= pattern.size() || pattern[i + 1] != ':'))
        // Oniguruma nests classes ([a[bc]], [a&&[b]]); PCRE2 reads '[' there as a character.
        throw FormatError(where + ": a nested character class is not supported");
      if (c == '[' && in_class) {  // a POSIX class [:alpha:], same in both: copy to its ":]"
        const size_t end = pattern.find(":]", i + 2);
        if (end == std::string::npos) throw FormatError(where + ": an unterminated [: class");
        out.append(pattern, i, end + 2 - i);
        i = end + 1;
        continue;
      }
      if (c == ']' && in_class) in_class = false;
      out += c;
      continue;
    }
    if (i + 1 >= pattern.size())
      throw FormatError(where + ": the pattern ends with a lone backslash");
    const char e = pattern[++i];
    switch (e) {
      case 's':
        out += in_class ? std::string(kSpaceMembers) : "[" + std::string(kSpaceMembers) + "]";
        break;
      case 'S':
        if (in_class) throw FormatError(where + ": \\S inside a character class is not supported");
        out += "[^" + std::string(kSpaceMembers) + "]";
        break;
      case 'h':
        out += in_class ? std::string(kHexMembers) : "[" + std::string(kHexMembers) + "]";
        break;
      case 'H':
        if (in_class) throw FormatError(where + ": \\H inside a character class is not supported");
        out += "[^" + std::string(kHexMembers) + "]";
        break;
      case 'K':
      case 'O':
      case 'X':
      case 'y':
      case 'Y':
        throw FormatError(where + ": the Oniguruma escape \\" + std::string(1, e) +
                          " is not supported");
      case 'p':
      case 'P':
        if (i + 1 < pattern.size() && pattern[i + 1] == '{' && i + 2 < pattern.size() &&
            pattern[i + 2] == '^')
          throw FormatError(where + ": the negated property \\" + std::string(1, e) +
                            "{^...} is not supported");
        out += '\\';
        out += e;
        break;
      default:
        out += '\\';
        out += e;
    }
  }
  return out;
}

}  // namespace prefstudio
