// Format detection and field checks for one import line (see import_format.h). The pair formats are
// turned into a prompt and two completions here, so the importer sees one shape of record.
#include "db/import_format.h"

#include <unordered_map>

namespace prefstudio::db {

namespace {

using nlohmann::json;

constexpr const char* kAssistantCue = "\n\nAssistant:";

const char* json_type(const json& value) {
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  return value.type_name();  // "string", "array", "object", "boolean", "null"
}

bool is_blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

json& require_key(json& line, const char* key) {
  auto it = line.find(key);
  if (it == line.end()) throw LineError("missing key", key);
  return *it;
}

// Moves the string out of the parsed line: texts are most of an import's bytes.
std::string text_of(json& value, const std::string& field) {
  if (!value.is_string())
    throw LineError(std::string("expected a string, got ") + json_type(value), field);
  std::string& text = value.get_ref<std::string&>();
  if (is_blank(text)) throw LineError("empty text", field);
  return std::move(text);
}

// Reads an array of non-negative integers.
std::vector<int> integers_of(const json& value, const char* field) {
  if (!value.is_array())
    throw LineError(std::string("expected a list of integers, got ") + json_type(value), field);
  std::vector<int> numbers;
  numbers.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    if (!item.is_number_integer())
      throw LineError(std::string("expected an integer, got ") + json_type(item), where);
    int64_t number = item.get<int64_t>();
    if (number < 0 || number > 1000000) throw LineError("negative or huge number", where);
    numbers.push_back(static_cast<int>(number));
  }
  return numbers;
}

// A permutation of 0..count-1, best first: every index exactly once.
std::vector<int> permutation_of(const json& value, const char* field, size_t count) {
  std::vector<int> order = integers_of(value, field);
  std::vector<bool> seen(count, false);
  for (int index : order) {
    if (static_cast<size_t>(index) >= count)
      throw LineError(
          "index " + std::to_string(index) + " out of range 0.." + std::to_string(count - 1),
          field);
    if (seen[index]) throw LineError("index " + std::to_string(index) + " repeated", field);
    seen[index] = true;
  }
  if (order.size() != count)
    throw LineError("lists " + std::to_string(order.size()) + " of " + std::to_string(count) +
                        " completions; every index must appear once",
                    field);
  return order;
}

std::string role_label(const std::string& role) {
  if (role == "user") return "Human";
  if (role == "assistant") return "Assistant";
  if (role == "system") return "System";
  return role;
}

void check_distinct(const std::vector<std::string>& completions) {
  std::unordered_map<std::string_view, size_t> first;
  for (size_t i = 0; i < completions.size(); ++i) {
    auto [it, added] = first.emplace(completions[i], i);
    if (!added)
      throw LineError("completions " + std::to_string(it->second) + " and " + std::to_string(i) +
                          " are the same text; a ranking needs distinct completions",
                      "completions");
  }
}

void parse_prompt_family(json& line, ImportRecord& record) {
  record.prompt = text_of(require_key(line, "prompt"), "prompt");
  auto completions = line.find("completions");
  if (completions == line.end()) {
    record.format = ImportFormat::prompts;
    return;
  }
  if (!completions->is_array())
    throw LineError(std::string("expected a list of strings, got ") + json_type(*completions),
                    "completions");
  for (size_t i = 0; i < completions->size(); ++i)
    record.completions.push_back(
        text_of((*completions)[i], "completions[" + std::to_string(i) + "]"));
  const size_t count = record.completions.size();

  auto ranking = line.find("ranking");
  auto ranks = line.find("ranks");
  auto suggested = line.find("suggested_ranking");
  bool ranked = ranking != line.end() || ranks != line.end();
  record.format = ranked ? ImportFormat::rankings : ImportFormat::completions;
  if (ranking != line.end() && ranks != line.end())
    throw LineError("give either \"ranking\" or \"ranks\", not both", "ranks");
  if (ranked || suggested != line.end()) {
    if (count < 2) throw LineError("fewer than two completions to rank", "completions");
    check_distinct(record.completions);
  }
  if (ranking != line.end()) {
    std::vector<int> order = permutation_of(*ranking, "ranking", count);
    record.ranks.assign(count, 0);
    for (size_t position = 0; position < order.size(); ++position)
      record.ranks[order[position]] = static_cast<int>(position);
  } else if (ranks != line.end()) {
    record.ranks = integers_of(*ranks, "ranks");
    if (record.ranks.size() != count)
      throw LineError("has " + std::to_string(record.ranks.size()) + " ranks for " +
                          std::to_string(count) + " completions",
                      "ranks");
  }
  if (suggested != line.end())
    record.suggested = permutation_of(*suggested, "suggested_ranking", count);
  if (ranked) {
    auto labeler = line.find("labeler");
    if (labeler != line.end()) record.labeler = text_of(*labeler, "labeler");
  }
}

// The content of messages[begin], when it is the list's only message from `begin` on and has
// `role`; nullptr otherwise. Call after render_messages has checked the messages' shape.
const std::string* lone_content(const json& messages, size_t begin, const char* role) {
  if (messages.size() != begin + 1) return nullptr;
  const json& message = messages[begin];
  if (message.at("role") != role) return nullptr;
  return &message.at("content").get_ref<const std::string&>();
}

// One user turn answered by one assistant turn: stored as the contents themselves, so that the
// engine can apply the model's chat template and the labeling GUI shows the user's own text.
// Anything longer (several turns, a system message) keeps the HH rendering: it has no one
// place in a chat template's single prompt text (docs/schema.md).
bool store_single_turn(const json& prompt, const json& chosen, const json& rejected, size_t shared,
                       ImportRecord& record) {
  const std::string* question = lone_content(prompt, 0, "user");
  const std::string* chosen_reply = lone_content(chosen, shared, "assistant");
  const std::string* rejected_reply = lone_content(rejected, shared, "assistant");
  if (!question || !chosen_reply || !rejected_reply) return false;
  if (is_blank(*question))
    throw LineError("empty text", shared ? "chosen[0].content" : "prompt[0].content");
  if (is_blank(*chosen_reply)) throw LineError("empty text", "chosen");
  if (is_blank(*rejected_reply)) throw LineError("empty text", "rejected");
  record.prompt = *question;
  record.completions = {*chosen_reply, *rejected_reply};
  return true;
}

// TRL conversational: "prompt" (optional) and "chosen"/"rejected" as message lists.
void parse_conversational(const json& line, ImportRecord& record) {
  const json& chosen = line.at("chosen");
  const json& rejected = line.at("rejected");
  if (!rejected.is_array())
    throw LineError(std::string("expected a list of messages, got ") + json_type(rejected),
                    "rejected");
  auto prompt = line.find("prompt");
  size_t shared = 0;  // messages of chosen/rejected that belong to the prompt (implicit prompt)
  json head(json::value_t::array);  // the implicit prompt's messages
  const json* prompt_messages = &head;
  if (prompt != line.end()) {
    if (!prompt->is_array())
      throw LineError(std::string("expected a list of messages, got ") + json_type(*prompt),
                      "prompt");
    prompt_messages = &*prompt;
  } else {
    while (shared < chosen.size() && shared < rejected.size() && chosen[shared] == rejected[shared])
      ++shared;
    if (shared == 0)
      throw LineError("chosen and rejected share no leading message to use as the prompt",
                      "prompt");
    for (size_t i = 0; i < shared; ++i) head.push_back(chosen[i]);
  }
  const char* prompt_field = prompt != line.end() ? "prompt" : "chosen";
  std::string prompt_text = render_messages(*prompt_messages, 0, prompt_field);
  if (is_blank(prompt_text)) throw LineError("empty text", "prompt");
  std::string chosen_text = render_messages(chosen, shared, "chosen");
  std::string rejected_text = render_messages(rejected, shared, "rejected");
  if (store_single_turn(*prompt_messages, chosen, rejected, shared, record)) return;
  // Like HH-RLHF: a reply that starts with an assistant turn leaves its cue in the prompt.
  bool chosen_cued = chosen_text.rfind(kAssistantCue, 0) == 0;
  bool rejected_cued = rejected_text.rfind(kAssistantCue, 0) == 0;
  if (chosen_cued && rejected_cued) {
    prompt_text += kAssistantCue;
    chosen_text.erase(0, std::char_traits<char>::length(kAssistantCue));
    rejected_text.erase(0, std::char_traits<char>::length(kAssistantCue));
  }
  if (is_blank(chosen_text)) throw LineError("empty text", "chosen");
  if (is_blank(rejected_text)) throw LineError("empty text", "rejected");
  record.prompt = std::move(prompt_text);
  record.completions = {std::move(chosen_text), std::move(rejected_text)};
}

void parse_hh(json& line, ImportRecord& record) {
  std::string chosen = text_of(line.at("chosen"), "chosen");
  std::string rejected = text_of(line.at("rejected"), "rejected");
  size_t cue = chosen.rfind(kAssistantCue);
  if (cue == std::string::npos)
    throw LineError("no \"\\n\\nAssistant:\" turn to split the prompt from the reply", "chosen");
  size_t prompt_size = cue + std::char_traits<char>::length(kAssistantCue);
  if (rejected.compare(0, prompt_size, chosen, 0, prompt_size) != 0)
    throw LineError("does not share the conversation up to chosen's last \"\\n\\nAssistant:\"",
                    "rejected");
  record.prompt = chosen.substr(0, prompt_size);
  if (is_blank(record.prompt)) throw LineError("empty text", "prompt");
  std::string chosen_reply = chosen.substr(prompt_size);
  std::string rejected_reply = rejected.substr(prompt_size);
  if (is_blank(chosen_reply)) throw LineError("empty text", "chosen");
  if (is_blank(rejected_reply)) throw LineError("empty text", "rejected");
  record.completions = {std::move(chosen_reply), std::move(rejected_reply)};
}

void parse_pair(json& line, ImportRecord& record) {
  bool conversational = line.at("chosen").is_array();
  bool has_prompt = line.contains("prompt");
  if (conversational) {
    record.format = ImportFormat::trl_conversational;
    parse_conversational(line, record);
  } else if (has_prompt) {
    record.format = ImportFormat::trl_pairs;
    record.prompt = text_of(line.at("prompt"), "prompt");
    record.completions = {text_of(line.at("chosen"), "chosen"),
                          text_of(line.at("rejected"), "rejected")};
  } else {
    record.format = ImportFormat::hh_rlhf;
    parse_hh(line, record);
  }
  if (record.completions[0] == record.completions[1])
    throw LineError("chosen and rejected are the same text: fewer than two completions to rank",
                    "rejected");
  record.ranks = {0, 1};
  auto labeler = line.find("labeler");
  if (labeler != line.end()) record.labeler = text_of(*labeler, "labeler");
}

}  // namespace

const char* format_name(ImportFormat format) {
  switch (format) {
    case ImportFormat::prompts:
      return "prompts";
    case ImportFormat::completions:
      return "completions";
    case ImportFormat::rankings:
      return "rankings";
    case ImportFormat::trl_pairs:
      return "trl-pairs";
    case ImportFormat::trl_conversational:
      return "trl-conversational";
    case ImportFormat::hh_rlhf:
      return "hh-rlhf";
  }
  return "unknown";
}

bool is_pair_format(ImportFormat format) {
  return format == ImportFormat::trl_pairs || format == ImportFormat::trl_conversational ||
         format == ImportFormat::hh_rlhf;
}

std::string render_messages(const json& messages, size_t begin, const std::string& field) {
  if (!messages.is_array())
    throw LineError(std::string("expected a list of messages, got ") + json_type(messages), field);
  std::string text;
  for (size_t i = begin; i < messages.size(); ++i) {
    const json& message = messages[i];
    std::string where = field + "[" + std::to_string(i) + "]";
    if (!message.is_object())
      throw LineError(
          std::string("expected a {\"role\", \"content\"} object, got ") + json_type(message),
          where);
    auto role = message.find("role");
    auto content = message.find("content");
    if (role == message.end()) throw LineError("missing key", where + ".role");
    if (content == message.end()) throw LineError("missing key", where + ".content");
    if (!role->is_string() || role->get_ref<const std::string&>().empty())
      throw LineError("expected a non-empty string", where + ".role");
    if (!content->is_string())
      throw LineError(std::string("expected a string, got ") + json_type(*content),
                      where + ".content");
    text += "\n\n" + role_label(role->get_ref<const std::string&>()) + ": " +
            content->get_ref<const std::string&>();
  }
  return text;
}

void parse_import_record(json& line, ImportRecord& record) {
  record.prompt.clear();
  record.completions.clear();
  record.ranks.clear();
  record.suggested.clear();
  record.labeler.clear();
  if (!line.is_object())
    throw LineError(std::string("expected a JSON object, got ") + json_type(line), "");
  bool has_chosen = line.contains("chosen");
  bool has_rejected = line.contains("rejected");
  if (has_chosen != has_rejected)
    throw LineError("missing key", has_chosen ? "rejected" : "chosen");
  if (has_chosen) {
    parse_pair(line, record);
  } else if (line.contains("prompt")) {
    parse_prompt_family(line, record);
  } else {
    throw LineError("no known format: expected \"prompt\", or \"chosen\" and \"rejected\"",
                    "prompt");
  }
}

}  // namespace prefstudio::db
