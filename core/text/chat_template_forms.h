// The chat templates ChatTemplate recognises, as canonical forms (ChatTemplate::canonical_form:
// one output per line, whitespace Jinja trims removed, literals re-spelled) in which each model's
// default texts are placeholders, so a derivative with its own default system prompt or dates is
// recognised too. Data only; chat_template.cpp matches and renders. Torch-free.
#pragma once

#include <vector>

namespace prefstudio {

struct ChatTemplateForm {
  const char* name;  // e.g. "Qwen2.5 ChatML", for error messages
  bool chatml;       // ChatML family; else Llama 3
  const char* canonical;
};

// Placeholders in the forms for the texts read from a template.
constexpr const char* kChatTemplateDefaultSystem = "@DEFAULT_SYSTEM@";
constexpr const char* kChatTemplateKnowledgeDate = "@KNOWLEDGE_DATE@";
constexpr const char* kChatTemplateTodayDate = "@TODAY_DATE@";

const std::vector<ChatTemplateForm>& known_chat_template_forms();

}  // namespace prefstudio
