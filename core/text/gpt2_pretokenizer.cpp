// GPT-2's split pattern in PCRE2 syntax (the engine is RegexSplitter).
#include "core/text/gpt2_pretokenizer.h"

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

}  // namespace

Gpt2Pretokenizer::Gpt2Pretokenizer() : splitter_(kPattern, "GPT-2 pre-tokenizer") {}

const char* Gpt2Pretokenizer::pattern() { return kPattern; }

}  // namespace prefstudio
