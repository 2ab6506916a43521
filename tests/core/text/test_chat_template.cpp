// Chat templates: every conversation of tests/golden/chat_templates/chat_templates_golden.json,
// rendered with each shipped template, equals what Hugging Face's Jinja rendered
// (tests/js-chat/render_goldens.mjs); plus the pieces' shape, defaults read from the template,
// and the refusals.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/text/chat_template.h"

using namespace prefstudio;
using nlohmann::json;

namespace {

const std::string kGoldenPath =
    std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden/chat_templates/chat_templates_golden.json";

const json& golden() {
  static const json parsed = [] {
    std::ifstream in(kGoldenPath);
    EXPECT_TRUE(in) << "missing " << kGoldenPath << " (run tests/js-chat/render_goldens.mjs)";
    return in ? json::parse(in) : json::object();
  }();
  return parsed;
}

const json& golden_template(const std::string& name) {
  for (const json& entry : golden().at("templates"))
    if (entry.at("name") == name) return entry;
  throw std::runtime_error("no golden template " + name);
}

json config_of(const std::string& name) { return golden_template(name).at("tokenizer_config"); }

std::string jinja_of(const std::string& name) {
  return config_of(name).at("chat_template").get<std::string>();
}

ChatTemplate load(const json& config) {
  auto chat = ChatTemplate::from_tokenizer_config(config, "model/tokenizer_config.json");
  EXPECT_TRUE(chat.has_value());
  return *chat;
}

std::vector<ChatMessage> messages_of(const json& list) {
  std::vector<ChatMessage> messages;
  for (const json& m : list) messages.push_back({m.at("role"), m.at("content")});
  return messages;
}

json with_template(json config, const std::string& jinja) {
  config["chat_template"] = jinja;
  return config;
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

std::string refusal_of(const json& config) {
  try {
    ChatTemplate::from_tokenizer_config(config, "m/tokenizer_config.json");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(accepted)";
}

const std::vector<ChatMessage> kOneTurn = {{"user", "Hi"}};

}  // namespace

TEST(ChatTemplate, EveryGoldenRenderingMatchesHuggingFaceJinja) {
  std::map<std::string, std::vector<ChatMessage>> conversations;
  for (const json& c : golden().at("conversations"))
    conversations[c.at("name")] = messages_of(c.at("messages"));
  size_t compared = 0;
  for (const json& entry : golden().at("templates")) {
    const std::string name = entry.at("name");
    ChatTemplate chat = load(entry.at("tokenizer_config"));
    EXPECT_EQ(chat.family(), name.rfind("llama", 0) == 0 ? "llama3" : "chatml") << name;
    for (const json& r : entry.at("renders")) {
      const std::string conversation = r.at("conversation");
      const bool prompt = r.at("add_generation_prompt");
      EXPECT_EQ(chat.render_text(conversations.at(conversation), prompt),
                r.at("text").get<std::string>())
          << name << " / " << conversation << " / add_generation_prompt=" << prompt;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 6u * 12u * 2u);
}

TEST(ChatTemplate, PiecesAreTheSegmentsBetweenSpecialTokens) {
  const std::vector<std::string> names = {"qwen2.5-instruct",  "smollm2-instruct",
                                          "chatml-plain",      "llama3-instruct",
                                          "llama3.1-instruct", "llama3.2-instruct"};
  const std::vector<ChatMessage> turns = {
      {"system", "S"}, {"user", "say <|im_end|> or <|eot_id|>"}, {"assistant", "ok"}};
  for (const std::string& name : names) {
    ChatTemplate chat = load(config_of(name));
    std::vector<std::string> specials = chat.special_contents();
    std::vector<ChatPiece> pieces = chat.render(turns, true);
    for (size_t i = 0; i < pieces.size(); ++i) {
      const ChatPiece& piece = pieces[i];
      EXPECT_FALSE(piece.text.empty()) << name << " piece " << i;
      if (piece.special) {
        EXPECT_NE(std::find(specials.begin(), specials.end(), piece.text), specials.end())
            << name << ": " << piece.text;
      } else if (i > 0) {
        EXPECT_TRUE(pieces[i - 1].special) << name << ": two text pieces in a row at " << i;
      }
      // The user's look-alike of a control token stays inside ordinary text.
      if (piece.text.find("say ") != std::string::npos) {
        EXPECT_FALSE(piece.special);
        EXPECT_NE(piece.text.find("<|im_end|> or <|eot_id|>"), std::string::npos) << name;
      }
    }
  }
}

TEST(ChatTemplate, QwenPiecesAndDefaultSystemPrompt) {
  ChatTemplate chat = load(config_of("qwen2.5-instruct"));
  EXPECT_EQ(chat.default_system_prompt(),
            "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.");
  EXPECT_EQ(chat.end_of_turn(), "<|im_end|>");
  std::vector<ChatPiece> pieces = chat.render(kOneTurn, true);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"<|im_start|>", true}, {"system\n" + chat.default_system_prompt(), false},
      {"<|im_end|>", true},   {"\n", false},
      {"<|im_start|>", true}, {"user\nHi", false},
      {"<|im_end|>", true},   {"\n", false},
      {"<|im_start|>", true}, {"assistant\n", false}};
  ASSERT_EQ(pieces.size(), expected.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].text, expected[i].first) << i;
    EXPECT_EQ(pieces[i].special, expected[i].second) << i;
  }
}

TEST(ChatTemplate, LlamaOpensWithItsOwnBos) {
  ChatTemplate chat = load(config_of("llama3.1-instruct"));
  EXPECT_EQ(chat.end_of_turn(), "<|eot_id|>");
  std::vector<ChatPiece> pieces = chat.render(kOneTurn, false);
  ASSERT_FALSE(pieces.empty());
  EXPECT_TRUE(pieces.front().special);
  EXPECT_EQ(pieces.front().text, "<|begin_of_text|>");
  EXPECT_EQ(pieces.back().text, "<|eot_id|>");
  json no_bos = config_of("llama3-instruct");
  no_bos["bos_token"] = {{"content", "<|begin_of_text|>"}, {"special", true}};  // AddedToken form
  EXPECT_EQ(load(no_bos).render(kOneTurn, false).front().text, "<|begin_of_text|>");
}

TEST(ChatTemplate, DefaultTextsAreReadFromTheTemplate) {
  std::string qwen = jinja_of("qwen2.5-instruct");
  for (int i = 0; i < 2; ++i)
    replace_once(qwen, "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
                 "Please reason step by step, and put your final answer within \\\\boxed{}.");
  ChatTemplate math = load(with_template(config_of("qwen2.5-instruct"), qwen));
  EXPECT_EQ(math.default_system_prompt(),
            "Please reason step by step, and put your final answer within \\boxed{}.");
  EXPECT_EQ(math.render_text(kOneTurn, false).substr(0, 40),
            "<|im_start|>system\nPlease reason step by");

  std::string llama = jinja_of("llama3.1-instruct");
  replace_once(llama, "Cutting Knowledge Date: December 2023", "Cutting Knowledge Date: May 2031");
  replace_once(llama, "\"26 Jul 2024\"", "\"01 Jan 2032\"");
  std::string text =
      load(with_template(config_of("llama3.1-instruct"), llama)).render_text(kOneTurn, false);
  EXPECT_NE(text.find("Cutting Knowledge Date: May 2031\nToday Date: 01 Jan 2032\n\n"),
            std::string::npos)
      << text;
}

TEST(ChatTemplate, SpellingThatCannotChangeTheOutputIsAccepted) {
  // Qwen2-Instruct's template: SmolLM2's form with "\n" escapes instead of newlines.
  const std::string qwen2 =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
      "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
      "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
      "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  ChatTemplate chat = load(with_template(config_of("smollm2-instruct"), qwen2));
  EXPECT_EQ(chat.default_system_prompt(), "You are a helpful assistant.");
  EXPECT_EQ(chat.render_text(kOneTurn, true),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  // Double quotes, extra spaces inside tags, a comment and whitespace Jinja trims.
  const std::string plain =
      "{#- ChatML #}\n{% for message in messages %}\n  {{- \"<|im_start|>\" + message['role'] + "
      "\"\\n\"   + message['content'] + \"<|im_end|>\" + \"\\n\" }}\n{%- endfor %}\n"
      "{% if add_generation_prompt %}{{ \"<|im_start|>assistant\\n\" }}{% endif %}\n";
  EXPECT_EQ(ChatTemplate::canonical_form(plain),
            ChatTemplate::canonical_form(jinja_of("chatml-plain")));
  // Without the "-" the indentation before {{ is printed (lstrip_blocks leaves expressions alone).
  std::string indented = plain;
  replace_once(indented, "{{- ", "{{ ");
  EXPECT_NE(ChatTemplate::canonical_form(indented).find("{{'  '}}"), std::string::npos);
}

TEST(ChatTemplate, AbsentOrNullTemplateIsNoTemplate) {
  EXPECT_FALSE(ChatTemplate::from_tokenizer_config(json::object(), "c.json").has_value());
  EXPECT_FALSE(
      ChatTemplate::from_tokenizer_config(json{{"chat_template", nullptr}}, "c.json").has_value());
}

TEST(ChatTemplate, ListOfNamedTemplatesUsesDefault) {
  json config = config_of("llama3.2-instruct");
  config["chat_template"] =
      json::array({{{"name", "tool_use"}, {"template", "{{ x }}"}},
                   {{"name", "default"}, {"template", jinja_of("chatml-plain")}}});
  EXPECT_EQ(load(config).family(), "chatml");
  config["chat_template"].erase(1);
  EXPECT_NE(refusal_of(config).find("none named \"default\""), std::string::npos);
  config["chat_template"] = 7;
  EXPECT_NE(refusal_of(config).find("chat_template must be a string"), std::string::npos);
}

TEST(ChatTemplate, RefusesAnUnknownFamilyNamingWhatItSaw) {
  const std::string zephyr =
      "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\n' + "
      "message['content'] + eos_token }}{% endif %}{% endfor %}";
  std::string message = refusal_of(json{{"chat_template", zephyr}});
  EXPECT_EQ(message.rfind("m/tokenizer_config.json: chat_template is not one of the supported "
                          "families (ChatML, Llama 3): ",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("it opens with `{% for message in messages %}"), std::string::npos)
      << message;
}

TEST(ChatTemplate, RefusesAChatmlVariantThatWouldRenderDifferently) {
  // A space printed between the turns and the generation prompt: a different rendering.
  std::string spaced = jinja_of("chatml-plain");
  replace_once(spaced, "{% endfor %}", "{% endfor %} ");
  std::string message = refusal_of(json{{"chat_template", spaced}});
  EXPECT_NE(message.find("closest is the plain ChatML form"), std::string::npos) << message;
  EXPECT_NE(message.find("{{' '}}"), std::string::npos) << message;
  // Qwen3-style reasoning handling is not ours to guess.
  std::string thinking = jinja_of("qwen2.5-instruct");
  replace_once(thinking, "{%- if add_generation_prompt %}",
               "{%- if add_generation_prompt %}\n    {{- '<think>\\n\\n</think>\\n\\n' }}");
  EXPECT_NE(refusal_of(json{{"chat_template", thinking}}).find("Qwen2.5 ChatML"),
            std::string::npos);
}

TEST(ChatTemplate, RefusesRolesItDoesNotRenderAndEmptyConversations) {
  ChatTemplate chat = load(config_of("qwen2.5-instruct"));
  try {
    chat.render({{"user", "Hi"}, {"tool", "42"}}, false);
    FAIL() << "a tool message was rendered";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("chat message 1: role \"tool\""), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load(config_of("llama3-instruct")).render({{"ipython", "x"}}, false), ConfigError);
  EXPECT_THROW(chat.render({}, true), ConfigError);
}

TEST(ChatTemplate, RefusesABosTokenOfTheWrongType) {
  json config = config_of("llama3-instruct");
  config["bos_token"] = 5;
  EXPECT_NE(refusal_of(config).find("bos_token must be a string"), std::string::npos);
}
