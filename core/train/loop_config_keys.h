// The keys every trainer's JSON config shares with the training loop (output_dir, grad_accum,
// clip_norm, warmup_steps, min_lr_ratio, log_every, eval_every, checkpoint_every, seed, device,
// threads, max_seconds, resume_from, optimizer): read, range-checked and written back the same
// way for every trainer, each error naming "<trainer>.<key>". `steps` is the trainer's own (SFT
// needs at least one, the preference trainers read 0 as "from epochs"). Torch-free, header-only.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/config_reader.h"
#include "core/optim/optimizer_config.h"

namespace prefstudio {

// A trainer's key list = its own keys + these.
inline std::vector<std::string> with_loop_keys(std::vector<std::string> keys) {
  for (const char* key :
       {"output_dir", "grad_accum", "clip_norm", "warmup_steps", "min_lr_ratio", "log_every",
        "eval_every", "checkpoint_every", "seed", "device", "threads", "max_seconds", "resume_from",
        "optimizer"})
    keys.emplace_back(key);
  return keys;
}

template <typename Config>
void read_loop_keys(const ConfigReader& reader, const nlohmann::json& json, Config& config) {
  reader.read("output_dir", config.output_dir);
  reader.read("grad_accum", config.grad_accum);
  reader.read("clip_norm", config.clip_norm);
  reader.read("warmup_steps", config.warmup_steps);
  reader.read("min_lr_ratio", config.min_lr_ratio);
  reader.read("log_every", config.log_every);
  reader.read("eval_every", config.eval_every);
  reader.read("checkpoint_every", config.checkpoint_every);
  reader.read("seed", config.seed);
  reader.read("device", config.device);
  reader.read("threads", config.threads);
  reader.read("max_seconds", config.max_seconds);
  reader.read("resume_from", config.resume_from);
  if (reader.has("optimizer")) config.optimizer = optimizer_config_from_json(json["optimizer"]);
}

// `fail(key, what)` throws.
template <typename Config, typename Fail>
void validate_loop_keys(const Config& config, Fail fail) {
  if (config.output_dir.empty()) fail("output_dir", "is required");
  if (config.grad_accum < 1) fail("grad_accum", "must be at least 1");
  if (!(config.clip_norm >= 0.0)) fail("clip_norm", "must be >= 0");
  if (config.warmup_steps < 0) fail("warmup_steps", "must be >= 0");
  if (!(config.min_lr_ratio >= 0.0 && config.min_lr_ratio <= 1.0))
    fail("min_lr_ratio", "must be in [0, 1]");
  if (config.log_every < 1) fail("log_every", "must be at least 1");
  if (config.eval_every < 0) fail("eval_every", "must be >= 0");
  if (config.checkpoint_every < 0) fail("checkpoint_every", "must be >= 0");
  if (config.threads < 0) fail("threads", "must be >= 0");
  if (!(config.max_seconds >= 0.0) || !std::isfinite(config.max_seconds))
    fail("max_seconds", "must be >= 0");
}

template <typename Config>
void write_loop_keys(const Config& config, nlohmann::json& json) {
  json["output_dir"] = config.output_dir;
  json["grad_accum"] = config.grad_accum;
  json["clip_norm"] = config.clip_norm;
  json["warmup_steps"] = config.warmup_steps;
  json["min_lr_ratio"] = config.min_lr_ratio;
  json["log_every"] = config.log_every;
  json["eval_every"] = config.eval_every;
  json["checkpoint_every"] = config.checkpoint_every;
  json["seed"] = config.seed;
  json["device"] = config.device;
  json["threads"] = config.threads;
  json["max_seconds"] = config.max_seconds;
  json["resume_from"] = config.resume_from;
  json["optimizer"] = to_json(config.optimizer);
}

}  // namespace prefstudio
