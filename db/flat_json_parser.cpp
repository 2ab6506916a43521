// The flat-object fast path (see flat_json_parser.h). Declining is always safe, so every rare or
// tricky case (a lone surrogate, a control character, a number with a sign or fraction) declines.
#include "db/flat_json_parser.h"

#include <cstring>

#include "db/utf8.h"

namespace prefstudio::db {

namespace {

class FlatScanner {
 public:
  explicit FlatScanner(std::string_view text) : at_(text.data()), end_(text.data() + text.size()) {}

  bool object(nlohmann::json& out) {
    out = nlohmann::json::object();
    skip_space();
    if (!take('{')) return false;
    skip_space();
    if (take('}')) return finished();
    std::string key;
    do {
      skip_space();
      if (!string(key)) return false;
      skip_space();
      if (!take(':')) return false;
      skip_space();
      nlohmann::json& slot = out[key];  // a repeated key: the last value wins, as in nlohmann
      if (!value(slot)) return false;
      skip_space();
    } while (take(','));
    return take('}') && finished();
  }

 private:
  const char* at_;
  const char* end_;

  void skip_space() {
    while (at_ < end_ && (*at_ == ' ' || *at_ == '\t' || *at_ == '\n' || *at_ == '\r')) ++at_;
  }
  bool take(char c) {
    if (at_ < end_ && *at_ == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool finished() {
    skip_space();
    return at_ == end_;
  }

  bool value(nlohmann::json& slot) {
    if (at_ < end_ && *at_ == '"') {
      std::string text;
      if (!string(text)) return false;
      slot = std::move(text);
      return true;
    }
    if (!take('[')) return false;
    slot = nlohmann::json::array();
    skip_space();
    if (take(']')) return true;
    do {
      skip_space();
      if (at_ < end_ && *at_ == '"') {
        std::string text;
        if (!string(text)) return false;
        slot.push_back(std::move(text));
      } else {
        int64_t number = 0;
        if (!integer(number)) return false;
        slot.push_back(number);
      }
      skip_space();
    } while (take(','));
    return take(']');
  }

  // 0 or [1-9][0-9]{0,8}: nothing that could be a float, negative or overflow.
  bool integer(int64_t& number) {
    const char* start = at_;
    while (at_ < end_ && *at_ >= '0' && *at_ <= '9' && at_ - start < 10)
      number = number * 10 + (*at_++ - '0');
    size_t digits = at_ - start;
    if (digits == 0 || digits > 9 || (digits > 1 && *start == '0')) return false;
    return at_ == end_ ||
           (*at_ != '.' && *at_ != 'e' && *at_ != 'E' && !(*at_ >= '0' && *at_ <= '9'));
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool code_unit(unsigned& unit) {
    if (end_ - at_ < 4) return false;
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      int digit = hex(at_[i]);
      if (digit < 0) return false;
      unit = unit * 16 + digit;
    }
    at_ += 4;
    return true;
  }
  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  bool escape(std::string& out) {
    if (at_ >= end_) return false;
    char c = *at_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    unsigned unit = 0;
    if (!code_unit(unit)) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a lone low surrogate
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      unsigned low = 0;
      if (!take('\\') || !take('u') || !code_unit(low) || low < 0xDC00 || low > 0xDFFF)
        return false;
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, unit);
    return true;
  }

  // A string: runs between quotes and backslashes are found in one pass (declining on a raw
  // control character, which JSON forbids), checked as UTF-8 and appended whole.
  bool string(std::string& out) {
    out.clear();
    if (!take('"')) return false;
    for (;;) {
      const char* stop = at_;
      while (stop < end_ && *stop != '"' && *stop != '\\') {
        if (static_cast<unsigned char>(*stop) < 0x20) return false;
        ++stop;
      }
      if (stop >= end_) return false;
      std::string_view run(at_, stop - at_);
      if (!is_valid_utf8(run)) return false;
      out.append(run);
      at_ = stop + 1;
      if (*stop == '"') return true;
      if (!escape(out)) return false;
    }
  }
};

}  // namespace

bool parse_flat_json_object(std::string_view line, nlohmann::json& out) {
  return FlatScanner(line).object(out);
}

}  // namespace prefstudio::db
