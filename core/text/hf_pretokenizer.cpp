// Builds the chain of splits from the declaration (see hf_pretokenizer.h). Every supported step is
// "cut at the matches of a pattern, keep everything": Digits is \p{N} (Rust's char::is_numeric is
// Unicode N*, not ASCII only), ByteLevel with use_regex is GPT-2's pattern, Split its own pattern
// translated from Oniguruma. ByteLevel's byte-to-symbol map belongs to the BPE model, not here.
#include "core/text/hf_pretokenizer.h"

#include "core/common/core_error.h"
#include "core/text/gpt2_pretokenizer.h"
#include "core/text/oniguruma_pattern.h"
#include "core/text/utf8_scan.h"

namespace prefstudio {
namespace {

using json = nlohmann::json;

// Quotes a literal for PCRE2: \Q...\E, with any "\E" inside spelled so that it stays literal.
std::string quote_literal(const std::string& text) {
  std::string out = "\\Q";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "\\E") == 0) {
      out += "\\E\\\\E\\Q";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out + "\\E";
}

[[noreturn]] void refuse(const std::string& path, const std::string& field,
                         const std::string& why) {
  throw FormatError(path + ": " + field + " " + why);
}

bool flag(const json& step, const char* name, bool fallback) {
  auto it = step.find(name);
  return it == step.end() || it->is_null() ? fallback : it->is_boolean() && it->get<bool>();
}

}  // namespace

HfPretokenizer::HfPretokenizer(const json& declaration, const std::string& path) {
  if (declaration.is_null())
    refuse(path, "pre_tokenizer", "is null; a byte-level BPE needs a ByteLevel pre-tokenizer");
  add_step(declaration, "pre_tokenizer", path);
  if (byte_level_steps_ != 1)
    refuse(path, "pre_tokenizer",
           "must hold exactly one ByteLevel step, found " + std::to_string(byte_level_steps_));
  gpt2_only_ = declaration.value("type", std::string()) == "ByteLevel" && steps_.size() == 1;
}

HfPretokenizer::~HfPretokenizer() = default;

void HfPretokenizer::add_step(const json& step, const std::string& field, const std::string& path) {
  if (!step.is_object() || !step.contains("type") || !step["type"].is_string())
    refuse(path, field, "must be an object with a string \"type\"");
  const std::string type = step["type"].get<std::string>();
  if (byte_level_seen_)
    refuse(path, field, "(" + type + ") comes after ByteLevel, which must be the last step");
  if (type == "Sequence") {
    const json& inner = step.value("pretokenizers", json());
    if (!inner.is_array()) refuse(path, field + ".pretokenizers", "must be an array");
    for (size_t i = 0; i < inner.size(); ++i)
      add_step(inner[i], field + ".pretokenizers[" + std::to_string(i) + "]", path);
  } else if (type == "ByteLevel") {
    if (flag(step, "add_prefix_space", false))
      refuse(path, field + ".add_prefix_space", "must be false (a leading space is not added)");
    ++byte_level_steps_;
    byte_level_seen_ = true;
    if (flag(step, "use_regex", true))
      steps_.push_back(std::make_unique<RegexSplitter>(Gpt2Pretokenizer::pattern(),
                                                       path + ": " + field + " (GPT-2 pattern)"));
  } else if (type == "Digits") {
    const bool individual = flag(step, "individual_digits", false);
    steps_.push_back(
        std::make_unique<RegexSplitter>(individual ? "\\p{N}" : "\\p{N}+", path + ": " + field));
  } else if (type == "Split") {
    const std::string behavior = step.value("behavior", json()).is_string()
                                     ? step["behavior"].get<std::string>()
                                     : std::string("(none)");
    if (behavior != "Isolated")
      refuse(path, field + ".behavior",
             "\"" + behavior + "\" is not supported (only \"Isolated\")");
    if (flag(step, "invert", false)) refuse(path, field + ".invert", "must be false");
    const json& pattern = step.value("pattern", json());
    std::string compiled;
    if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string())
      compiled = oniguruma_to_pcre2(pattern["Regex"].get<std::string>(),
                                    path + ": " + field + ".pattern.Regex");
    else if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string())
      compiled = quote_literal(pattern["String"].get<std::string>());
    else
      refuse(path, field + ".pattern", "must be {\"Regex\": \"...\"} or {\"String\": \"...\"}");
    steps_.push_back(std::make_unique<RegexSplitter>(compiled, path + ": " + field + ".pattern"));
  } else {
    refuse(path, field + ".type", "\"" + type + "\" is not supported");
  }
}

std::vector<TextPiece> HfPretokenizer::split(std::string_view text) const {
  std::vector<TextPiece> pieces;
  if (text.empty()) return pieces;
  if (steps_.empty()) {
    append_utf8_runs(text, 0, text.size(), pieces);
    return pieces;
  }
  steps_.front()->split_into(text, pieces);  // it cuts out undecodable bytes itself
  std::vector<TextPiece> next;
  for (size_t s = 1; s < steps_.size(); ++s) {
    const RegexSplitter& step = *steps_[s];
    next.clear();
    next.reserve(pieces.size() * 2);
    for (const TextPiece& piece : pieces) {
      if (piece.valid_utf8)
        step.split_into(piece.text, next);
      else
        next.push_back(piece);
    }
    pieces.swap(next);
  }
  return pieces;
}

}  // namespace prefstudio
