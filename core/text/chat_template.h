// A model's chat template (tokenizer_config.json "chat_template") for the families we can render
// exactly as transformers' apply_chat_template(messages, tokenize=False, add_generation_prompt)
// does: ChatML (Qwen2/2.5, SmolLM2-Instruct, plain ChatML) and Llama 3 headers (3, 3.1/3.3, 3.2).
// It does not run Jinja: it recognises a template by its canonical form (whitespace and quoting
// that cannot change the output taken away) and renders the family in C++; anything else is
// refused rather than guessed. Leaves out tools, tool calls, multimodal content and tokenizing
// (the caller maps the pieces to ids). docs/chat-templates.md says how to tell the families apart.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace prefstudio {

struct ChatMessage {
  std::string role;     // "system", "user" or "assistant"
  std::string content;  // UTF-8, as the user wrote it (Llama 3 templates trim it, ChatML does not)
};

// One piece of a rendered conversation. Hugging Face tokenizes a rendered template by splitting
// on added tokens first and pre-tokenizing each text segment on its own; the pieces are those
// segments. special: `text` is exactly one added/special token's content (e.g. "<|im_start|>")
// that the caller maps to its id. Otherwise ordinary text the caller encodes literally, even where
// the user's own text looks like a special token: unlike Hugging Face, which would turn a
// "<|im_end|>" typed by the user into the real token, such text never becomes a control token here.
struct ChatPiece {
  std::string text;
  bool special = false;
};

// Immutable once built; safe to share between threads.
class ChatTemplate {
 public:
  // From tokenizer_config.json's parsed object; `source` (its path) prefixes every message.
  // No "chat_template" key, or null: std::nullopt. A string, or a list of {"name", "template"}
  // whose "default" entry is used. Throws FormatError "<source>: chat_template is not one of the
  // supported families (ChatML, Llama 3): ..." naming the closest family and where the template
  // departs from it, or saying what its opening looks like; FormatError also for a chat_template
  // or bos_token of the wrong JSON type. The default texts (a ChatML default system prompt,
  // Llama 3.1's "Cutting Knowledge Date" and fallback "Today Date") are read from the template.
  static std::optional<ChatTemplate> from_tokenizer_config(const nlohmann::json& config,
                                                           const std::string& source);

  // The conversation as pieces (adjacent text merged), as apply_chat_template would render it.
  // BOS: Llama 3's templates emit bos_token themselves as the first piece, so a tokenizer must not
  // add another when it encodes these pieces; ChatML templates emit none. Llama 3.2's template
  // prints today's date (strftime_now); here it is always the fallback date the template declares
  // ("26 Jul 2024" in Meta's), so a rendering does not change from day to day.
  // Throws ConfigError naming the message for an empty conversation or a role other than system,
  // user or assistant (tool and ipython turns are not supported).
  std::vector<ChatPiece> render(const std::vector<ChatMessage>& messages,
                                bool add_generation_prompt) const;
  // The pieces concatenated: the exact text apply_chat_template(..., tokenize=False) returns.
  std::string render_text(const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt) const;

  std::string end_of_turn() const;  // "<|im_end|>" or "<|eot_id|>": ends an assistant turn
  std::string family() const;       // "chatml" or "llama3"
  std::vector<std::string> special_contents() const;  // every special text render() can emit

  // The default system prompt a ChatML template inserts when the conversation has none ("" for
  // plain ChatML and for Llama 3).
  const std::string& default_system_prompt() const { return default_system_; }

  // The template with everything that cannot change its output taken away: text that Jinja's
  // whitespace control removes (trim_blocks, lstrip_blocks and "-" as transformers sets them),
  // comments, whitespace inside tags, and the spelling of string literals (quotes and escapes,
  // a "\n" escape and a real newline alike). Exposed for tests and for adding a family.
  static std::string canonical_form(const std::string& jinja);

 private:
  enum class Kind { chatml, llama3, llama3_dated };
  ChatTemplate() = default;
  void render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                     std::vector<ChatPiece>& out) const;
  void render_llama3(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                     std::vector<ChatPiece>& out) const;

  Kind kind_ = Kind::chatml;
  std::string source_;          // tokenizer_config.json path, for messages
  std::string bos_;             // bos_token's content; "" when null (only Llama 3 prints it)
  std::string default_system_;  // ChatML: inserted when messages[0] is not a system message
  std::string knowledge_date_;  // Llama 3.1/3.2: "December 2023" in "Cutting Knowledge Date: ..."
  std::string today_date_;      // Llama 3.1/3.2: the template's fallback date_string
};

}  // namespace prefstudio
