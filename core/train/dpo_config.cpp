// DpoConfig <-> JSON and its range checks. Every error names the field as "dpo.<key>".
#include "core/train/dpo_config.h"

#include <cmath>

#include "core/common/config_reader.h"
#include "core/common/core_error.h"
#include "core/train/dpo_loss_kind.h"
#include "core/train/loop_config_keys.h"

namespace prefstudio {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw ConfigError("dpo." + key + ": " + what);
}

bool finite(double x) { return std::isfinite(x); }

}  // namespace

double DpoConfig::beta_value() const {
  return beta ? *beta : default_dpo_beta(parse_dpo_loss_kind(loss, "dpo.loss"));
}

double DpoConfig::label_smoothing_value() const {
  return label_smoothing ? *label_smoothing
                         : default_dpo_label_smoothing(parse_dpo_loss_kind(loss, "dpo.loss"));
}

void DpoConfig::validate() const {
  if (policy_dir.empty()) fail("policy_dir", "is required");
  const DpoLossKind kind = parse_dpo_loss_kind(loss, "dpo.loss");
  if (beta && !(*beta > 0.0 && finite(*beta))) fail("beta", "must be > 0");
  const double e = label_smoothing_value();
  if (kind == DpoLossKind::robust ? !(e >= 0.0 && e < 0.5) : !(e >= 0.0 && e <= 0.5))
    fail("label_smoothing",
         kind == DpoLossKind::robust ? "must be in [0, 0.5) for robust" : "must be in [0, 0.5]");
  if (label_smoothing && *label_smoothing > 0 && kind != DpoLossKind::cdpo &&
      kind != DpoLossKind::robust)
    fail("label_smoothing", "only cdpo and robust read it; the " + loss + " loss would ignore it");
  if (!finite(gamma)) fail("gamma", "must be a finite number");
  if (!(nll_coefficient >= 0.0 && finite(nll_coefficient))) fail("nll_coefficient", "must be >= 0");
  if (pair_mode != "per_labeler" && pair_mode != "consensus")
    fail("pair_mode", "'" + pair_mode + "' is not one of per_labeler, consensus");
  if (!(epochs > 0.0) || !finite(epochs)) fail("epochs", "must be > 0");
  if (steps < 0) fail("steps", "must be >= 0");
  if (batch_prompts < 1) fail("batch_prompts", "must be at least 1");
  if (max_length < 2) fail("max_length", "must be at least 2");
  if (eval_prompts < 0) fail("eval_prompts", "must be >= 0");
  if (eval_samples < 1) fail("eval_samples", "must be at least 1");
  if (max_new_tokens < 1) fail("max_new_tokens", "must be at least 1");
  validate_loop_keys(*this, fail);
}

DpoConfig dpo_config_from_json(const nlohmann::json& json) {
  const ConfigReader reader(
      json, "dpo",
      with_loop_keys({"policy_dir", "reference_dir", "loss", "beta", "label_smoothing", "gamma",
                      "nll_coefficient", "pair_mode", "labelers", "epochs", "steps",
                      "batch_prompts", "max_length", "eval_prompts", "eval_samples",
                      "max_new_tokens", "reward_model_dir"}));
  DpoConfig config;
  reader.read("policy_dir", config.policy_dir);
  reader.read("reference_dir", config.reference_dir);
  reader.read("loss", config.loss);
  if (reader.has("beta")) reader.read("beta", config.beta.emplace());
  if (reader.has("label_smoothing")) reader.read("label_smoothing", config.label_smoothing.emplace());
  reader.read("gamma", config.gamma);
  reader.read("nll_coefficient", config.nll_coefficient);
  reader.read("pair_mode", config.pair_mode);
  reader.read("labelers", config.labelers);
  reader.read("epochs", config.epochs);
  reader.read("steps", config.steps);
  reader.read("batch_prompts", config.batch_prompts);
  reader.read("max_length", config.max_length);
  reader.read("eval_prompts", config.eval_prompts);
  reader.read("eval_samples", config.eval_samples);
  reader.read("max_new_tokens", config.max_new_tokens);
  reader.read("reward_model_dir", config.reward_model_dir);
  read_loop_keys(reader, json, config);
  config.validate();
  return config;
}

nlohmann::json to_json(const DpoConfig& config) {
  nlohmann::json json{{"policy_dir", config.policy_dir},
                      {"reference_dir", config.reference_dir},
                      {"loss", config.loss},
                      {"beta", config.beta_value()},
                      {"label_smoothing", config.label_smoothing_value()},
                      {"gamma", config.gamma},
                      {"nll_coefficient", config.nll_coefficient},
                      {"pair_mode", config.pair_mode},
                      {"labelers", config.labelers},
                      {"epochs", config.epochs},
                      {"steps", config.steps},
                      {"batch_prompts", config.batch_prompts},
                      {"max_length", config.max_length},
                      {"eval_prompts", config.eval_prompts},
                      {"eval_samples", config.eval_samples},
                      {"max_new_tokens", config.max_new_tokens},
                      {"reward_model_dir", config.reward_model_dir}};
  write_loop_keys(config, json);
  return json;
}

}  // namespace prefstudio
