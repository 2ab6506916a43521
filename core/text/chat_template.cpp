// Recognises a chat template by its canonical form and renders its family (see chat_template.h).
// The known forms (chat_template_forms.cpp) are the canonical forms of the templates under
// tests/golden/chat_templates with their default texts replaced by @NAME@ placeholders; the golden
// test renders those same templates with Hugging Face's Jinja and compares every text.
#include "core/text/chat_template.h"

#include <algorithm>

#include "core/common/core_error.h"
#include "core/text/chat_template_forms.h"

namespace prefstudio {

namespace {

// ---------------------------------------------------------------------------------------------
// Canonical form. Jinja as transformers configures it: trim_blocks and lstrip_blocks on,
// keep_trailing_newline off. Each output is one line: a tag ({{...}} or {%...%}) with its
// whitespace squeezed and its string literals re-spelled, or a text run as {{'...'}}.

struct Segment {
  bool is_tag = false;
  char kind = 0;  // tags: '{' expression, '%' statement, '#' comment
  bool strip_left = false;
  bool strip_right = false;
  std::string text;  // text run, or the tag's inside without delimiters and "-"/"+" markers
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Where the tag opened at `begin` ends (index of its closing delimiter), skipping string literals;
// npos when it never closes.
size_t tag_end(const std::string& s, size_t begin, char kind) {
  const std::string close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
  if (kind == '#') return s.find(close, begin + 2);
  char quote = 0;
  for (size_t i = begin + 2; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (s.compare(i, 2, close) == 0) {
      return i;
    }
  }
  return std::string::npos;
}

std::vector<Segment> split_segments(const std::string& s) {
  std::vector<Segment> segments;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t open = pos;
    size_t end = std::string::npos;
    while ((open = s.find('{', open)) != std::string::npos && open + 1 < s.size()) {
      char kind = s[open + 1];
      if ((kind == '{' || kind == '%' || kind == '#') &&
          (end = tag_end(s, open, kind)) != std::string::npos)
        break;
      ++open;
    }
    if (open == std::string::npos || open + 1 >= s.size() || end == std::string::npos) {
      segments.push_back({false, 0, false, false, s.substr(pos)});  // an unclosed tag stays text
      break;
    }
    if (open > pos) segments.push_back({false, 0, false, false, s.substr(pos, open - pos)});
    Segment tag{true, s[open + 1], false, false, s.substr(open + 2, end - open - 2)};
    if (!tag.text.empty() && (tag.text.front() == '-' || tag.text.front() == '+')) {
      tag.strip_left = tag.text.front() == '-';
      tag.text.erase(0, 1);
    }
    if (!tag.text.empty() && (tag.text.back() == '-' || tag.text.back() == '+')) {
      tag.strip_right = tag.text.back() == '-';
      tag.text.pop_back();
    }
    segments.push_back(std::move(tag));
    pos = end + 2;
  }
  return segments;
}

// What Jinja prints of a text run, given the tags on either side (nullptr: template edge).
std::string effective_text(std::string text, const Segment* before, const Segment* after) {
  if (before && before->strip_right) {
    size_t keep = 0;
    while (keep < text.size() && is_space(text[keep])) ++keep;
    text.erase(0, keep);
  } else if (before && before->kind != '{') {  // trim_blocks: the newline after a block tag
    if (text.rfind("\r\n", 0) == 0)
      text.erase(0, 2);
    else if (text.rfind("\n", 0) == 0)
      text.erase(0, 1);
  }
  if (after && after->strip_left) {
    while (!text.empty() && is_space(text.back())) text.pop_back();
  } else if (after && after->kind != '{') {  // lstrip_blocks: indentation before a block tag
    size_t line = text.find_last_of('\n');
    size_t from = line == std::string::npos ? 0 : line + 1;
    bool indent_only = text.find_first_not_of(" \t", from) == std::string::npos;
    if (indent_only && (line != std::string::npos || !before)) text.erase(from);
  }
  if (!after && text.size() >= 1 && text.back() == '\n') {  // keep_trailing_newline off
    text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
  }
  return text;
}

// Jinja's string-literal escapes, as Python reads them; unknown escapes keep their backslash.
std::string unescape_literal(const std::string& body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    char c = body[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
      case '\'':
      case '"':
        out += c;
        break;
      default:
        out += '\\';
        out += c;
    }
  }
  return out;
}

std::string escape_literal(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A tag's inside: literals re-spelled in single quotes, whitespace only where two names meet.
std::string squeeze_tag(const std::string& inside) {
  std::string out;
  bool pending_space = false;
  for (size_t i = 0; i < inside.size(); ++i) {
    char c = inside[i];
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty() && is_ident(out.back()) && is_ident(c)) out += ' ';
    pending_space = false;
    if (c != '\'' && c != '"') {
      out += c;
      continue;
    }
    size_t j = i + 1;
    while (j < inside.size() && inside[j] != c) j += inside[j] == '\\' ? 2 : 1;
    out += "'" + escape_literal(unescape_literal(inside.substr(i + 1, j - i - 1))) + "'";
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Default texts read from a canonical form.

// The body of the single-quoted literal that opens at `quote`, escaped as in the canonical form.
std::string literal_at(const std::string& canonical, size_t quote) {
  size_t j = quote + 1;
  while (j < canonical.size() && canonical[j] != '\'') j += canonical[j] == '\\' ? 2 : 1;
  return canonical.substr(quote + 1, j - quote - 1);
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// ChatML's default system prompt: a literal '<|im_start|>system\n...<|im_end|>\n'. Returns the
// escaped text ("" when there is none).
std::string find_default_system(const std::string& canonical) {
  const std::string head = "'<|im_start|>system\\n";
  const std::string tail = "<|im_end|>\\n";
  for (size_t at = canonical.find(head); at != std::string::npos;
       at = canonical.find(head, at + 1)) {
    std::string body = literal_at(canonical, at);
    size_t text_size = body.size() - (head.size() - 1);
    if (body.size() > head.size() - 1 + tail.size() &&
        body.compare(body.size() - tail.size(), tail.size(), tail) == 0)
      return body.substr(head.size() - 1, text_size - tail.size());
  }
  return "";
}

// The escaped text between `before` and the next `until` ("" when `before` is absent).
std::string find_between(const std::string& canonical, const std::string& before,
                         const std::string& until) {
  size_t at = canonical.find(before);
  if (at == std::string::npos) return "";
  at += before.size();
  size_t end = canonical.find(until, at);
  if (end == std::string::npos) return "";
  return canonical.substr(at, end - at);
}

size_t common_prefix(const std::string& a, const std::string& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

std::string line_around(const std::string& text, size_t at) {
  size_t begin = text.rfind('\n', at == 0 ? 0 : at - 1);
  begin = begin == std::string::npos ? 0 : begin + 1;
  size_t end = text.find('\n', at);
  std::string line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  return line.size() > 120 ? line.substr(0, 117) + "..." : line;
}

// What a refused template looks like, for the error message.
std::string describe_refusal(const std::string& jinja, const std::string& canonical) {
  const ChatTemplateForm* closest = nullptr;
  size_t best = 0;
  for (const ChatTemplateForm& form : known_chat_template_forms()) {
    size_t n = common_prefix(canonical, form.canonical);
    if (n > best) best = n, closest = &form;
  }
  bool family_like = jinja.find("<|im_start|>") != std::string::npos ||
                     jinja.find("<|start_header_id|>") != std::string::npos;
  if (closest && (family_like || best >= 40)) {
    std::string known = closest->canonical;
    return std::string("closest is the ") + closest->name + " form, which it leaves at `" +
           line_around(canonical, best) + "` where that form has `" + line_around(known, best) +
           "`";
  }
  std::string opening = jinja.substr(0, 80);
  std::replace(opening.begin(), opening.end(), '\n', ' ');
  return "it opens with `" + opening + (jinja.size() > 80 ? "...`" : "`");
}

// bos_token: "tok", {"content": "tok", ...} or null.
std::string token_content(const nlohmann::json& config, const char* field,
                          const std::string& source) {
  auto it = config.find(field);
  if (it == config.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return (*it)["content"].get<std::string>();
  throw FormatError(source + ": " + field + " must be a string or {\"content\": ...}, got " +
                    it->type_name());
}

// The template text: a string, or the "default" entry of a list of named templates.
std::string template_text(const nlohmann::json& value, const std::string& source) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array())
    throw FormatError(source +
                      ": chat_template must be a string or a list of named templates, got " +
                      std::string(value.type_name()));
  for (const auto& entry : value)
    if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
        entry["template"].is_string())
      return entry["template"].get<std::string>();
  throw FormatError(source + ": chat_template lists named templates but none named \"default\"");
}

// Python's str.strip(): Jinja's trim filter. Whitespace as str.isspace() has it, read as UTF-8.
bool python_space_at(const std::string& s, size_t at, size_t& size) {
  unsigned char c = s[at];
  size = 1;
  if (c < 0x80) return is_space(c) || (c >= 0x1c && c <= 0x1f);
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0 && at + 1 < s.size()) {
    size = 2, cp = ((c & 0x1F) << 6) | (s[at + 1] & 0x3F);
  } else if ((c & 0xF0) == 0xE0 && at + 2 < s.size()) {
    size = 3, cp = ((c & 0x0F) << 12) | ((s[at + 1] & 0x3F) << 6) | (s[at + 2] & 0x3F);
  } else {
    return false;
  }
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string python_strip(const std::string& s) {
  size_t begin = 0, size = 0;
  while (begin < s.size() && python_space_at(s, begin, size)) begin += size;
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;  // the first byte of the last code point
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!python_space_at(s, start, size) || start + size != end) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

// Appends pieces, merging adjacent text as Hugging Face's split on added tokens leaves it.
class PieceWriter {
 public:
  explicit PieceWriter(std::vector<ChatPiece>& out) : out_(out) {}
  void text(const std::string& text) {
    if (text.empty()) return;
    if (!out_.empty() && !out_.back().special)
      out_.back().text += text;
    else
      out_.push_back({text, false});
  }
  void special(const std::string& content) {
    if (!content.empty()) out_.push_back({content, true});
  }

 private:
  std::vector<ChatPiece>& out_;
};

constexpr const char* kImStart = "<|im_start|>";
constexpr const char* kImEnd = "<|im_end|>";
constexpr const char* kHeaderStart = "<|start_header_id|>";
constexpr const char* kHeaderEnd = "<|end_header_id|>";
constexpr const char* kEot = "<|eot_id|>";

}  // namespace

std::string ChatTemplate::canonical_form(const std::string& jinja) {
  std::vector<Segment> segments = split_segments(jinja);
  std::string out;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = segments[i];
    if (segment.is_tag) {
      if (segment.kind == '#') continue;
      const char* close = segment.kind == '{' ? "}}" : "%}";
      out += std::string("{") + segment.kind + squeeze_tag(segment.text) + close + "\n";
      continue;
    }
    const Segment* before = i > 0 ? &segments[i - 1] : nullptr;
    const Segment* after = i + 1 < segments.size() ? &segments[i + 1] : nullptr;
    std::string text = effective_text(segment.text, before, after);
    if (!text.empty()) out += "{{'" + escape_literal(text) + "'}}\n";
  }
  return out;
}

std::optional<ChatTemplate> ChatTemplate::from_tokenizer_config(const nlohmann::json& config,
                                                                const std::string& source) {
  if (!config.is_object()) throw FormatError(source + ": expected a JSON object");
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return std::nullopt;
  const std::string jinja = template_text(*it, source);
  const std::string canonical = canonical_form(jinja);

  // Take the default texts out, then compare what is left with each known form.
  std::string system = find_default_system(canonical);
  std::string knowledge = find_between(canonical, "'Cutting Knowledge Date: ", "\\n'");
  std::string today = find_between(canonical, "set date_string='", "'");
  std::string shape = canonical;
  replace_all(shape, system, kChatTemplateDefaultSystem);
  replace_all(shape, "Cutting Knowledge Date: " + knowledge + "\\n",
              std::string("Cutting Knowledge Date: ") + kChatTemplateKnowledgeDate + "\\n");
  replace_all(shape, "date_string='" + today + "'",
              std::string("date_string='") + kChatTemplateTodayDate + "'");

  for (const ChatTemplateForm& form : known_chat_template_forms()) {
    if (shape != form.canonical) continue;
    ChatTemplate chat;
    chat.source_ = source;
    chat.bos_ = token_content(config, "bos_token", source);
    bool dated = shape.find(kChatTemplateTodayDate) != std::string::npos;
    chat.kind_ = form.chatml ? Kind::chatml : dated ? Kind::llama3_dated : Kind::llama3;
    if (form.chatml && shape.find(kChatTemplateDefaultSystem) != std::string::npos)
      chat.default_system_ = unescape_literal(system);
    if (dated) {
      chat.knowledge_date_ = unescape_literal(knowledge);
      chat.today_date_ = unescape_literal(today);
    }
    return chat;
  }
  throw FormatError(source +
                    ": chat_template is not one of the supported families (ChatML, Llama 3): " +
                    describe_refusal(jinja, shape));
}

std::vector<ChatPiece> ChatTemplate::render(const std::vector<ChatMessage>& messages,
                                            bool add_generation_prompt) const {
  if (messages.empty()) throw ConfigError(source_ + ": chat template: no messages to render");
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    if (role != "system" && role != "user" && role != "assistant")
      throw ConfigError(source_ + ": chat message " + std::to_string(i) + ": role \"" + role +
                        "\" is not one the chat template accepts (system, user, assistant)");
  }
  std::vector<ChatPiece> pieces;
  if (kind_ == Kind::chatml)
    render_chatml(messages, add_generation_prompt, pieces);
  else
    render_llama3(messages, add_generation_prompt, pieces);
  return pieces;
}

// <|im_start|>role\ncontent<|im_end|>\n per message, contents untouched; the default system
// prompt first when the conversation does not open with a system message.
void ChatTemplate::render_chatml(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt, std::vector<ChatPiece>& out) const {
  PieceWriter write(out);
  auto turn = [&](const std::string& role, const std::string& content) {
    write.special(kImStart);
    write.text(role + "\n" + content);
    write.special(kImEnd);
    write.text("\n");
  };
  if (!default_system_.empty() && messages.front().role != "system")
    turn("system", default_system_);
  for (const ChatMessage& message : messages) turn(message.role, message.content);
  if (add_generation_prompt) {
    write.special(kImStart);
    write.text("assistant\n");
  }
}

// bos, then <|start_header_id|>role<|end_header_id|>\n\ncontent|trim<|eot_id|> per message.
// Llama 3.1/3.2 always open with a system block holding the dates and the (trimmed) system
// message when the conversation starts with one.
void ChatTemplate::render_llama3(const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt, std::vector<ChatPiece>& out) const {
  PieceWriter write(out);
  auto header = [&](const std::string& role) {
    write.special(kHeaderStart);
    write.text(role);
    write.special(kHeaderEnd);
    write.text("\n\n");
  };
  write.special(bos_);
  size_t first = 0;
  if (kind_ == Kind::llama3_dated) {
    std::string system;
    if (messages.front().role == "system")
      system = python_strip(messages.front().content), first = 1;
    header("system");
    write.text("Cutting Knowledge Date: " + knowledge_date_ + "\nToday Date: " + today_date_ +
               "\n\n" + system);
    write.special(kEot);
  }
  for (size_t i = first; i < messages.size(); ++i) {
    header(messages[i].role);
    write.text(python_strip(messages[i].content));
    write.special(kEot);
  }
  if (add_generation_prompt) header("assistant");
}

std::string ChatTemplate::render_text(const std::vector<ChatMessage>& messages,
                                      bool add_generation_prompt) const {
  std::string text;
  for (const ChatPiece& piece : render(messages, add_generation_prompt)) text += piece.text;
  return text;
}

std::string ChatTemplate::end_of_turn() const { return kind_ == Kind::chatml ? kImEnd : kEot; }

std::string ChatTemplate::family() const { return kind_ == Kind::chatml ? "chatml" : "llama3"; }

std::vector<std::string> ChatTemplate::special_contents() const {
  if (kind_ == Kind::chatml) return {kImStart, kImEnd};
  std::vector<std::string> specials;
  if (!bos_.empty()) specials.push_back(bos_);
  for (const char* token : {kHeaderStart, kHeaderEnd, kEot}) specials.push_back(token);
  return specials;
}

}  // namespace prefstudio
