// Typed reads of config.json keys, shared by the GPT-2 and Llama config readers. Each names the key
// in its ConfigError: "config: 'rope_theta' must be a number, got \"x\"". Torch-free, header-only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/common/core_error.h"

namespace prefstudio::config_json {

// Passed as `fallback` to read_int: the key must be present.
constexpr int64_t kRequired = -1;

inline int64_t read_int(const nlohmann::json& json, const char* key, int64_t fallback) {
  auto found = json.find(key);
  if (found == json.end() || found->is_null()) {
    if (fallback == kRequired) throw ConfigError(std::string("config: missing key '") + key + "'");
    return fallback;
  }
  if (!found->is_number_integer())
    throw ConfigError(std::string("config: '") + key + "' must be an integer, got " +
                      found->dump());
  return found->get<int64_t>();
}

inline double read_double(const nlohmann::json& json, const char* key, double fallback) {
  auto found = json.find(key);
  if (found == json.end() || found->is_null()) return fallback;
  if (!found->is_number())
    throw ConfigError(std::string("config: '") + key + "' must be a number, got " + found->dump());
  return found->get<double>();
}

// A true/false key; absent or null gives `fallback`. Anything else is refused: transformers would
// read 1 or "yes" as true, and we must not read them as the default.
inline bool read_flag(const nlohmann::json& json, const char* key, bool fallback) {
  auto found = json.find(key);
  if (found == json.end() || found->is_null()) return fallback;
  if (!found->is_boolean())
    throw ConfigError(std::string("config: '") + key + "' must be true or false, got " +
                      found->dump());
  return found->get<bool>();
}

inline std::string read_string(const nlohmann::json& json, const char* key,
                               const std::string& fallback) {
  auto found = json.find(key);
  if (found == json.end() || found->is_null()) return fallback;
  if (!found->is_string())
    throw ConfigError(std::string("config: '") + key + "' must be a string, got " + found->dump());
  return found->get<std::string>();
}

}  // namespace prefstudio::config_json
