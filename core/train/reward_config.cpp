// RewardConfig <-> JSON and its range checks. Every error names the field as "reward.<key>".
#include "core/train/reward_config.h"

#include <cmath>

#include "core/common/config_reader.h"
#include "core/common/core_error.h"

namespace prefstudio {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw ConfigError("reward." + key + ": " + what);
}

}  // namespace

void RewardConfig::validate() const {
  if (model_dir.empty()) fail("model_dir", "is required");
  if (output_dir.empty()) fail("output_dir", "is required");
  if (loss != "pairwise" && loss != "plackett_luce")
    fail("loss", "'" + loss + "' is not one of pairwise, plackett_luce");
  if (pair_mode != "per_labeler" && pair_mode != "consensus")
    fail("pair_mode", "'" + pair_mode + "' is not one of per_labeler, consensus");
  if (!(epochs > 0.0) || !std::isfinite(epochs)) fail("epochs", "must be > 0");
  if (steps < 0) fail("steps", "must be >= 0");
  if (batch_prompts < 1) fail("batch_prompts", "must be at least 1");
  if (grad_accum < 1) fail("grad_accum", "must be at least 1");
  if (max_length < 2) fail("max_length", "must be at least 2");
  if (!(clip_norm >= 0.0)) fail("clip_norm", "must be >= 0");
  if (warmup_steps < 0) fail("warmup_steps", "must be >= 0");
  if (!(min_lr_ratio >= 0.0 && min_lr_ratio <= 1.0)) fail("min_lr_ratio", "must be in [0, 1]");
  if (!(center_coefficient >= 0.0)) fail("center_coefficient", "must be >= 0");
  if (log_every < 1) fail("log_every", "must be at least 1");
  if (eval_every < 0) fail("eval_every", "must be >= 0");
  if (checkpoint_every < 0) fail("checkpoint_every", "must be >= 0");
  if (threads < 0) fail("threads", "must be >= 0");
  if (!(max_seconds >= 0.0) || !std::isfinite(max_seconds)) fail("max_seconds", "must be >= 0");
}

RewardConfig reward_config_from_json(const nlohmann::json& json) {
  const ConfigReader reader(
      json, "reward",
      {"model_dir", "output_dir", "loss", "pair_mode", "labelers", "epochs", "steps",
       "batch_prompts", "grad_accum", "max_length", "clip_norm", "warmup_steps", "min_lr_ratio",
       "center_coefficient", "margin_from_strength", "seed", "log_every", "eval_every",
       "checkpoint_every", "device", "threads", "max_seconds", "resume_from", "optimizer"});
  RewardConfig config;
  reader.read("model_dir", config.model_dir);
  reader.read("output_dir", config.output_dir);
  reader.read("loss", config.loss);
  reader.read("pair_mode", config.pair_mode);
  reader.read("labelers", config.labelers);
  reader.read("epochs", config.epochs);
  reader.read("steps", config.steps);
  reader.read("batch_prompts", config.batch_prompts);
  reader.read("grad_accum", config.grad_accum);
  reader.read("max_length", config.max_length);
  reader.read("clip_norm", config.clip_norm);
  reader.read("warmup_steps", config.warmup_steps);
  reader.read("min_lr_ratio", config.min_lr_ratio);
  reader.read("center_coefficient", config.center_coefficient);
  reader.read("margin_from_strength", config.margin_from_strength);
  reader.read("seed", config.seed);
  reader.read("log_every", config.log_every);
  reader.read("eval_every", config.eval_every);
  reader.read("checkpoint_every", config.checkpoint_every);
  reader.read("device", config.device);
  reader.read("threads", config.threads);
  reader.read("max_seconds", config.max_seconds);
  reader.read("resume_from", config.resume_from);
  if (reader.has("optimizer")) config.optimizer = optimizer_config_from_json(json["optimizer"]);
  config.validate();
  return config;
}

nlohmann::json to_json(const RewardConfig& config) {
  return {{"model_dir", config.model_dir},
          {"output_dir", config.output_dir},
          {"loss", config.loss},
          {"pair_mode", config.pair_mode},
          {"labelers", config.labelers},
          {"epochs", config.epochs},
          {"steps", config.steps},
          {"batch_prompts", config.batch_prompts},
          {"grad_accum", config.grad_accum},
          {"max_length", config.max_length},
          {"clip_norm", config.clip_norm},
          {"warmup_steps", config.warmup_steps},
          {"min_lr_ratio", config.min_lr_ratio},
          {"center_coefficient", config.center_coefficient},
          {"margin_from_strength", config.margin_from_strength},
          {"seed", config.seed},
          {"log_every", config.log_every},
          {"eval_every", config.eval_every},
          {"checkpoint_every", config.checkpoint_every},
          {"device", config.device},
          {"threads", config.threads},
          {"max_seconds", config.max_seconds},
          {"resume_from", config.resume_from},
          {"optimizer", to_json(config.optimizer)}};
}

}  // namespace prefstudio
