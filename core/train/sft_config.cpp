// SftConfig <-> JSON and its range checks. Every error names the field as "sft.<key>".
#include "core/train/sft_config.h"

#include <cmath>

#include "core/common/config_reader.h"
#include "core/common/core_error.h"
#include "core/train/loop_config_keys.h"

namespace prefstudio {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw ConfigError("sft." + key + ": " + what);
}

}  // namespace

void SftConfig::validate() const {
  if (model_dir.empty()) fail("model_dir", "is required");
  if (data_source != "jsonl" && data_source != "project")
    fail("data_source", "'" + data_source + "' is not one of jsonl, project");
  if (steps < 1) fail("steps", "must be at least 1");
  if (batch_size < 1) fail("batch_size", "must be at least 1");
  if (max_length < 2) fail("max_length", "must be at least 2");
  if (eval_batches < 1) fail("eval_batches", "must be at least 1");
  if (!(validation_fraction >= 0.0 && validation_fraction < 1.0))
    fail("validation_fraction", "must be in [0, 1)");
  validate_loop_keys(*this, fail);
}

SftConfig sft_config_from_json(const nlohmann::json& json) {
  const ConfigReader reader(json, "sft",
                            with_loop_keys({"model_dir", "data_source", "data_path", "steps",
                                            "batch_size", "max_length", "eval_batches",
                                            "validation_fraction"}));
  SftConfig config;
  reader.read("model_dir", config.model_dir);
  reader.read("data_source", config.data_source);
  reader.read("data_path", config.data_path);
  reader.read("steps", config.steps);
  reader.read("batch_size", config.batch_size);
  reader.read("max_length", config.max_length);
  reader.read("eval_batches", config.eval_batches);
  reader.read("validation_fraction", config.validation_fraction);
  read_loop_keys(reader, json, config);
  config.validate();
  // The trainer takes examples from its caller; a config file must also say where they are.
  if (config.data_source == "jsonl" && config.data_path.empty())
    fail("data_path", "is required when data_source is jsonl");
  return config;
}

nlohmann::json to_json(const SftConfig& config) {
  nlohmann::json json{{"model_dir", config.model_dir},
                      {"data_source", config.data_source},
                      {"data_path", config.data_path},
                      {"steps", config.steps},
                      {"batch_size", config.batch_size},
                      {"max_length", config.max_length},
                      {"eval_batches", config.eval_batches},
                      {"validation_fraction", config.validation_fraction}};
  write_loop_keys(config, json);
  return json;
}

}  // namespace prefstudio
