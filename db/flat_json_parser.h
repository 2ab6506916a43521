// A fast path for the JSON lines imports are made of: one flat object whose values are strings,
// lists of strings or lists of small non-negative integers. It scans strings with memchr instead of
// nlohmann's byte-by-byte lexer. Anything else (nesting, null, true/false, other numbers, invalid
// UTF-8, bad escapes, any syntax error) is declined, and the caller parses the line with nlohmann,
// whose result and error messages stay the reference: this parser only accepts what nlohmann
// accepts, and gives the same value.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace prefstudio::db {

// True and `out` filled when `line` is a flat object as above; false (out unspecified) otherwise.
bool parse_flat_json_object(std::string_view line, nlohmann::json& out);

}  // namespace prefstudio::db
