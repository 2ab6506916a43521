// SftConfig <-> JSON and its range checks. Every error names the field as "sft.<key>".
#include "core/train/sft_config.h"

#include <cmath>

#include "core/common/config_reader.h"
#include "core/common/core_error.h"

namespace prefstudio {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw ConfigError("sft." + key + ": " + what);
}

}  // namespace

void SftConfig::validate() const {
  if (model_dir.empty()) fail("model_dir", "is required");
  if (output_dir.empty()) fail("output_dir", "is required");
  if (data_source != "jsonl" && data_source != "project")
    fail("data_source", "'" + data_source + "' is not one of jsonl, project");
  if (steps < 1) fail("steps", "must be at least 1");
  if (batch_size < 1) fail("batch_size", "must be at least 1");
  if (grad_accum < 1) fail("grad_accum", "must be at least 1");
  if (max_length < 2) fail("max_length", "must be at least 2");
  if (!(clip_norm >= 0.0)) fail("clip_norm", "must be >= 0");
  if (warmup_steps < 0) fail("warmup_steps", "must be >= 0");
  if (!(min_lr_ratio >= 0.0 && min_lr_ratio <= 1.0)) fail("min_lr_ratio", "must be in [0, 1]");
  if (log_every < 1) fail("log_every", "must be at least 1");
  if (eval_every < 0) fail("eval_every", "must be >= 0");
  if (eval_batches < 1) fail("eval_batches", "must be at least 1");
  if (checkpoint_every < 0) fail("checkpoint_every", "must be >= 0");
  if (!(validation_fraction >= 0.0 && validation_fraction < 1.0))
    fail("validation_fraction", "must be in [0, 1)");
  if (threads < 0) fail("threads", "must be >= 0");
  if (!(max_seconds >= 0.0) || !std::isfinite(max_seconds)) fail("max_seconds", "must be >= 0");
}

SftConfig sft_config_from_json(const nlohmann::json& json) {
  const ConfigReader reader(json, "sft",
                            {"model_dir",  "output_dir",   "data_source",      "data_path",
                             "steps",      "batch_size",   "grad_accum",       "max_length",
                             "clip_norm",  "warmup_steps", "min_lr_ratio",     "log_every",
                             "eval_every", "eval_batches", "checkpoint_every", "validation_fraction",
                             "seed",       "device",       "threads",          "max_seconds",
                             "optimizer",  "resume_from"});
  SftConfig config;
  reader.read("model_dir", config.model_dir);
  reader.read("output_dir", config.output_dir);
  reader.read("data_source", config.data_source);
  reader.read("data_path", config.data_path);
  reader.read("steps", config.steps);
  reader.read("batch_size", config.batch_size);
  reader.read("grad_accum", config.grad_accum);
  reader.read("max_length", config.max_length);
  reader.read("clip_norm", config.clip_norm);
  reader.read("warmup_steps", config.warmup_steps);
  reader.read("min_lr_ratio", config.min_lr_ratio);
  reader.read("log_every", config.log_every);
  reader.read("eval_every", config.eval_every);
  reader.read("eval_batches", config.eval_batches);
  reader.read("checkpoint_every", config.checkpoint_every);
  reader.read("validation_fraction", config.validation_fraction);
  reader.read("seed", config.seed);
  reader.read("device", config.device);
  reader.read("threads", config.threads);
  reader.read("max_seconds", config.max_seconds);
  reader.read("resume_from", config.resume_from);
  if (json.contains("optimizer")) config.optimizer = optimizer_config_from_json(json["optimizer"]);
  config.validate();
  // The trainer takes examples from its caller; a config file must also say where they are.
  if (config.data_source == "jsonl" && config.data_path.empty())
    fail("data_path", "is required when data_source is jsonl");
  return config;
}

nlohmann::json to_json(const SftConfig& config) {
  return {{"model_dir", config.model_dir},
          {"output_dir", config.output_dir},
          {"data_source", config.data_source},
          {"data_path", config.data_path},
          {"steps", config.steps},
          {"batch_size", config.batch_size},
          {"grad_accum", config.grad_accum},
          {"max_length", config.max_length},
          {"clip_norm", config.clip_norm},
          {"warmup_steps", config.warmup_steps},
          {"min_lr_ratio", config.min_lr_ratio},
          {"log_every", config.log_every},
          {"eval_every", config.eval_every},
          {"eval_batches", config.eval_batches},
          {"checkpoint_every", config.checkpoint_every},
          {"validation_fraction", config.validation_fraction},
          {"seed", config.seed},
          {"device", config.device},
          {"threads", config.threads},
          {"max_seconds", config.max_seconds},
          {"resume_from", config.resume_from},
          {"optimizer", to_json(config.optimizer)}};
}

}  // namespace prefstudio
