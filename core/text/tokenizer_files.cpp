// Reads and atomic writes for tokenizer files (see tokenizer_files.h).
#include "core/text/tokenizer_files.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/common/core_error.h"

namespace prefstudio {

std::string read_tokenizer_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open the file");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) throw FormatError(path + ": read error");
  return contents.str();
}

nlohmann::json read_tokenizer_json(const std::string& path) {
  std::string text = read_tokenizer_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(path + ": not valid JSON: " + e.what());
  }
}


std::string config_token(const nlohmann::json& config, const std::string& field,
                         const std::string& path) {
  if (!config.is_object() || !config.contains(field) || config[field].is_null()) return "";
  const nlohmann::json& value = config[field];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return value["content"].get<std::string>();
  throw FormatError(path + ": field \"" + field +
                    "\" must be a string or an object with a string \"content\"");
}

}  // namespace prefstudio
