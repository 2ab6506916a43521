// Translates a Hugging Face tokenizer.json regex (written for Oniguruma, which the Rust tokenizers
// library uses) into PCRE2 syntax with the same meaning under PCRE2_UTF | PCRE2_UCP. Only the
// escapes whose meaning differs are rewritten; everything else is PCRE2's syntax already.
// Leaves out: compiling (RegexSplitter does that) and Oniguruma-only constructs, which are refused.
#pragma once

#include <string>

namespace prefstudio {

// What changes:
//   \s, \S   Oniguruma: [\t-\r\x85\p{Z}] (Unicode White_Space). PCRE2's UCP \s also takes U+180E.
//   \h, \H   Oniguruma: a hex digit [0-9A-Fa-f]. PCRE2: horizontal white space.
// Throws FormatError naming `where` (e.g. "tok.json: pre_tokenizer.pattern.Regex") for \S inside
// a character class (no PCRE2 spelling without class intersection) and for Oniguruma's \R-like
// escapes that PCRE2 reads differently (\K, \O, \X, \y, \Y, \p{^...}).
std::string oniguruma_to_pcre2(const std::string& pattern, const std::string& where);

}  // namespace prefstudio
