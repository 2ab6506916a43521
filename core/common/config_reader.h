// Reading a trainer's JSON config the one way every trainer does: the object is checked for
// unknown keys, each known key is read only when present (absent or null keeps the default), and
// every error is a ConfigError naming "<prefix>.<key>", e.g. "reward.epochs: must be an integer".
// Torch-free, header-only.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "core/common/core_error.h"

namespace prefstudio {

class ConfigReader {
 public:
  // Throws ConfigError when `json` is not an object or holds a key not in `keys`.
  ConfigReader(const nlohmann::json& json, std::string prefix, std::vector<std::string> keys)
      : json_(json), prefix_(std::move(prefix)) {
    if (!json.is_object()) throw ConfigError(prefix_ + ": the config must be a JSON object");
    for (auto it = json.begin(); it != json.end(); ++it) {
      bool known = false;
      for (const auto& key : keys) known = known || it.key() == key;
      if (!known) fail(it.key(), "unknown key");
    }
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(prefix_ + "." + key + ": " + what);
  }

  bool has(const char* key) const {
    auto found = json_.find(key);
    return found != json_.end() && !found->is_null();
  }

  // Strings, booleans, numbers, integers (unsigned ones must not be negative), and lists of
  // strings.
  template <typename T>
  void read(const char* key, T& out) const {
    auto found = json_.find(key);
    if (found == json_.end() || found->is_null()) return;
    if constexpr (std::is_same_v<T, std::string>) {
      if (!found->is_string()) fail(key, "must be a string, got " + found->dump());
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!found->is_boolean()) fail(key, "must be true or false, got " + found->dump());
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      if (!found->is_array()) fail(key, "must be a list of strings, got " + found->dump());
      for (const auto& item : *found)
        if (!item.is_string()) fail(key, "must be a list of strings, got " + found->dump());
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!found->is_number()) fail(key, "must be a number, got " + found->dump());
    } else {
      if (!found->is_number_integer()) fail(key, "must be an integer, got " + found->dump());
      check_fits<T>(key, *found);
    }
    out = found->get<T>();
  }

 private:
  // An integer must fit T: get<T>() would wrap "threads": 4294967297 to 1 for an int, and read the
  // uint64 seed 18446744073709551615 as -1.
  template <typename T>
  void check_fits(const char* key, const nlohmann::json& value) const {
    using limits = std::numeric_limits<T>;
    if (value.is_number_unsigned()) {
      if (value.get<uint64_t>() > static_cast<uint64_t>(limits::max()))
        fail(key, "must be at most " + std::to_string(limits::max()) + ", got " + value.dump());
      return;
    }
    const int64_t number = value.get<int64_t>();
    if (number < 0) {
      if constexpr (std::is_unsigned_v<T>) fail(key, "must not be negative");
      if (number < static_cast<int64_t>(limits::min()))
        fail(key, "must be at least " + std::to_string(limits::min()) + ", got " + value.dump());
    } else if (static_cast<uint64_t>(number) > static_cast<uint64_t>(limits::max())) {
      fail(key, "must be at most " + std::to_string(limits::max()) + ", got " + value.dump());
    }
  }

  const nlohmann::json& json_;
  std::string prefix_;
};

}  // namespace prefstudio
