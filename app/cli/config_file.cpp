// read_config_file and resolve_config_path (see config_file.h).
#include "app/cli/config_file.h"

#include <filesystem>
#include <fstream>

#include "core/common/core_error.h"

namespace prefstudio::cli {

namespace fs = std::filesystem;

nlohmann::json read_config_file(const std::string& path, const std::string& section) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(path + ": invalid JSON (" + e.what() + ")");
  }
  if (json.is_object() && json.contains(section)) return json[section];
  return json;
}

std::string resolve_config_path(const std::string& relative, const std::string& config_path) {
  if (relative.empty() || fs::path(relative).is_absolute()) return relative;
  // Absolute, so the config a run stores repeats from any folder (the GUI's Resume writes it
  // into another file).
  return fs::absolute(fs::path(config_path).parent_path() / relative).lexically_normal().string();
}

}  // namespace prefstudio::cli
