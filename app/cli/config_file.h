// A trainer's config file as every `train ...` command reads it: JSON holding either the trainer's
// object itself or {"<section>": {...}}; relative paths inside are taken from the file's folder, so
// a config travels with its data. Errors are ConfigError starting with the file's path.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/common/core_error.h"

namespace prefstudio::cli {

// The parsed object for `section` (e.g. "reward"); ConfigError "<path>: cannot open" / "invalid
// JSON (...)".
nlohmann::json read_config_file(const std::string& path, const std::string& section);

// `parse(json)` (a function or a callable taking the section's JSON) with any ConfigError prefixed
// by "<path>: ".
template <typename Parse>
auto parse_config_file(const std::string& path, const std::string& section, Parse parse)
    -> decltype(parse(nlohmann::json())) {
  const nlohmann::json json = read_config_file(path, section);
  try {
    return parse(json);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

// `relative` from the folder of `config_path`, made absolute; absolute and empty paths are returned
// as they are.
std::string resolve_config_path(const std::string& relative, const std::string& config_path);

}  // namespace prefstudio::cli
