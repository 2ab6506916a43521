// Reads and writes the "optimizer" object of a run's JSON config. Every value is checked here, so a
// trainer never starts with a learning rate of "3e-4" (a string) or a negative rank; each error
// names the field as "optimizer.<key>" or "optimizer.galore.<key>".
#include "core/optim/optimizer_config.h"

#include <cmath>
#include <initializer_list>
#include <string>

#include "core/common/core_error.h"

namespace prefstudio {
namespace {

const char* const kOptimizerNames[] = {"adamw", "galore_adamw"};
const char* const kProjTypes[] = {"std", "reverse_std", "left", "right", "full"};

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw ConfigError(field + ": " + what);
}

// Rejects keys we do not know: a misspelt "learning_rate" would otherwise be silently ignored.
void check_keys(const nlohmann::json& json, const std::string& prefix,
                std::initializer_list<const char*> known) {
  if (!json.is_object()) fail(prefix, "must be a JSON object");
  for (auto it = json.begin(); it != json.end(); ++it) {
    bool found = false;
    for (const char* key : known) found = found || it.key() == key;
    if (!found) fail(prefix + "." + it.key(), "unknown key");
  }
}

void read_double(const nlohmann::json& json, const std::string& prefix, const char* key,
                 double& out) {
  if (!json.contains(key)) return;
  const auto& value = json.at(key);
  if (!value.is_number()) fail(prefix + "." + key, "must be a number");
  out = value.get<double>();
  if (!std::isfinite(out)) fail(prefix + "." + key, "must be finite");
}

void read_int(const nlohmann::json& json, const std::string& prefix, const char* key,
              int64_t& out) {
  if (!json.contains(key)) return;
  const auto& value = json.at(key);
  if (!value.is_number_integer()) fail(prefix + "." + key, "must be an integer");
  out = value.get<int64_t>();
}

void read_string(const nlohmann::json& json, const std::string& prefix, const char* key,
                 std::string& out) {
  if (!json.contains(key)) return;
  const auto& value = json.at(key);
  if (!value.is_string()) fail(prefix + "." + key, "must be a string");
  out = value.get<std::string>();
}

template <size_t N>
void check_one_of(const std::string& value, const char* const (&allowed)[N],
                  const std::string& field) {
  std::string list;
  for (const char* name : allowed) {
    if (value == name) return;
    list += list.empty() ? name : std::string(", ") + name;
  }
  fail(field, "'" + value + "' is not one of " + list);
}

GaloreConfig galore_from_json(const nlohmann::json& json) {
  const std::string prefix = "optimizer.galore";
  check_keys(json, prefix, {"rank", "update_proj_gap", "scale", "proj_type", "target_modules"});
  GaloreConfig galore;
  read_int(json, prefix, "rank", galore.rank);
  read_int(json, prefix, "update_proj_gap", galore.update_proj_gap);
  read_double(json, prefix, "scale", galore.scale);
  read_string(json, prefix, "proj_type", galore.proj_type);
  if (galore.rank < 1) fail(prefix + ".rank", "must be at least 1");
  if (galore.update_proj_gap < 1) fail(prefix + ".update_proj_gap", "must be at least 1");
  if (!(galore.scale > 0.0)) fail(prefix + ".scale", "must be positive");
  check_one_of(galore.proj_type, kProjTypes, prefix + ".proj_type");
  if (json.contains("target_modules")) {
    const auto& targets = json.at("target_modules");
    if (!targets.is_array()) fail(prefix + ".target_modules", "must be an array of strings");
    galore.target_modules.clear();
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!targets[i].is_string() || targets[i].get<std::string>().empty()) {
        fail(prefix + ".target_modules[" + std::to_string(i) + "]", "must be a non-empty string");
      }
      galore.target_modules.push_back(targets[i].get<std::string>());
    }
  }
  return galore;
}

}  // namespace

OptimizerConfig optimizer_config_from_json(const nlohmann::json& json) {
  const std::string prefix = "optimizer";
  check_keys(json, prefix, {"name", "lr", "beta1", "beta2", "eps", "weight_decay", "galore"});
  OptimizerConfig config;
  read_string(json, prefix, "name", config.name);
  check_one_of(config.name, kOptimizerNames, prefix + ".name");
  // The GaLore authors' AdamW defaults eps to 1e-6; keep theirs unless the run says otherwise.
  if (config.name == "galore_adamw") config.eps = 1e-6;
  read_double(json, prefix, "lr", config.lr);
  read_double(json, prefix, "beta1", config.beta1);
  read_double(json, prefix, "beta2", config.beta2);
  read_double(json, prefix, "eps", config.eps);
  read_double(json, prefix, "weight_decay", config.weight_decay);
  if (config.lr < 0.0) fail(prefix + ".lr", "must not be negative");
  if (config.beta1 < 0.0 || config.beta1 >= 1.0) fail(prefix + ".beta1", "must be in [0, 1)");
  if (config.beta2 < 0.0 || config.beta2 >= 1.0) fail(prefix + ".beta2", "must be in [0, 1)");
  if (!(config.eps > 0.0)) fail(prefix + ".eps", "must be positive");
  if (config.weight_decay < 0.0) fail(prefix + ".weight_decay", "must not be negative");
  if (json.contains("galore")) config.galore = galore_from_json(json.at("galore"));
  return config;
}

nlohmann::json to_json(const OptimizerConfig& config) {
  return {{"name", config.name},
          {"lr", config.lr},
          {"beta1", config.beta1},
          {"beta2", config.beta2},
          {"eps", config.eps},
          {"weight_decay", config.weight_decay},
          {"galore",
           {{"rank", config.galore.rank},
            {"update_proj_gap", config.galore.update_proj_gap},
            {"scale", config.galore.scale},
            {"proj_type", config.galore.proj_type},
            {"target_modules", config.galore.target_modules}}}};
}

}  // namespace prefstudio
