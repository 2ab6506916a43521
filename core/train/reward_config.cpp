// RewardConfig <-> JSON and its range checks. Every error names the field as "reward.<key>".
#include "core/train/reward_config.h"

#include <cmath>

#include "core/common/config_reader.h"
#include "core/common/core_error.h"
#include "core/train/loop_config_keys.h"

namespace prefstudio {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw ConfigError("reward." + key + ": " + what);
}

}  // namespace

void RewardConfig::validate() const {
  if (model_dir.empty()) fail("model_dir", "is required");
  if (loss != "pairwise" && loss != "plackett_luce")
    fail("loss", "'" + loss + "' is not one of pairwise, plackett_luce");
  if (pair_mode != "per_labeler" && pair_mode != "consensus")
    fail("pair_mode", "'" + pair_mode + "' is not one of per_labeler, consensus");
  if (!(epochs > 0.0) || !std::isfinite(epochs)) fail("epochs", "must be > 0");
  if (steps < 0) fail("steps", "must be >= 0");
  if (batch_prompts < 1) fail("batch_prompts", "must be at least 1");
  if (max_length < 2) fail("max_length", "must be at least 2");
  if (!(center_coefficient >= 0.0)) fail("center_coefficient", "must be >= 0");
  validate_loop_keys(*this, fail);
}

RewardConfig reward_config_from_json(const nlohmann::json& json) {
  const ConfigReader reader(
      json, "reward",
      with_loop_keys({"model_dir", "loss", "pair_mode", "labelers", "epochs", "steps",
                      "batch_prompts", "max_length", "center_coefficient", "margin_from_strength"}));
  RewardConfig config;
  reader.read("model_dir", config.model_dir);
  reader.read("loss", config.loss);
  reader.read("pair_mode", config.pair_mode);
  reader.read("labelers", config.labelers);
  reader.read("epochs", config.epochs);
  reader.read("steps", config.steps);
  reader.read("batch_prompts", config.batch_prompts);
  reader.read("max_length", config.max_length);
  reader.read("center_coefficient", config.center_coefficient);
  reader.read("margin_from_strength", config.margin_from_strength);
  read_loop_keys(reader, json, config);
  config.validate();
  return config;
}

nlohmann::json to_json(const RewardConfig& config) {
  nlohmann::json json{{"model_dir", config.model_dir},
                      {"loss", config.loss},
                      {"pair_mode", config.pair_mode},
                      {"labelers", config.labelers},
                      {"epochs", config.epochs},
                      {"steps", config.steps},
                      {"batch_prompts", config.batch_prompts},
                      {"max_length", config.max_length},
                      {"center_coefficient", config.center_coefficient},
                      {"margin_from_strength", config.margin_from_strength}};
  write_loop_keys(config, json);
  return json;
}

}  // namespace prefstudio
