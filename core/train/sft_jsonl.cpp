// JSONL <-> SftExample (see sft_jsonl.h).
#include "core/train/sft_jsonl.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"

namespace prefstudio {

std::vector<SftExample> read_sft_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open");
  std::vector<SftExample> examples;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number);
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(where + ": not valid JSON (" + e.what() + ")");
    }
    if (!json.is_object()) throw FormatError(where + ": expected a JSON object");
    SftExample example;
    for (auto [key, out] : {std::pair<const char*, std::string*>{"prompt", &example.prompt},
                            {"response", &example.response}}) {
      auto found = json.find(key);
      if (found == json.end()) throw FormatError(where + ": missing \"" + key + "\"");
      if (!found->is_string()) throw FormatError(where + ": \"" + key + "\" must be a string");
      *out = found->get<std::string>();
    }
    if (example.response.empty()) throw FormatError(where + ": \"response\" is empty");
    examples.push_back(std::move(example));
  }
  if (in.bad()) throw FormatError(path + ": read error");
  return examples;
}

void write_sft_jsonl(const std::string& path, const std::vector<SftExample>& examples) {
  std::string text;
  for (const SftExample& example : examples)
    text += nlohmann::json{{"prompt", example.prompt}, {"response", example.response}}.dump() +
            "\n";
  write_file_durably(path, text);
}

}  // namespace prefstudio
