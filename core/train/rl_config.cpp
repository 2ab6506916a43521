// RlConfig <-> JSON and its range checks (see rl_config.h).
#include "core/train/rl_config.h"

#include <cmath>

#include "core/common/config_reader.h"
#include "core/common/core_error.h"
#include "core/train/loop_config_keys.h"

namespace prefstudio {

void RlConfig::validate() const {
  auto fail = [this](const std::string& key, const std::string& what) {
    throw ConfigError(algorithm + "." + key + ": " + what);
  };
  if (algorithm != "rloo" && algorithm != "grpo")
    throw ConfigError("rl: algorithm '" + algorithm + "' is not one of rloo, grpo");
  if (policy_dir.empty()) fail("policy_dir", "is required");
  if (reward_model_dir.empty() == reward_function.empty())
    fail("reward", "give exactly one of {\"model\": DIR} and {\"function\": \"demo_sort\"}");
  if (!reward_function.empty() && reward_function != "demo_sort")
    fail("reward", "function '" + reward_function + "' is not one of demo_sort");
  if (steps < 1) fail("steps", "must be at least 1");
  if (rollout_prompts < 1) fail("rollout_prompts", "must be at least 1");
  if (samples_per_prompt < 2) fail("samples_per_prompt", "must be at least 2 (the group)");
  if (max_new_tokens < 1) fail("max_new_tokens", "must be at least 1");
  if (!(temperature > 0.0 && std::isfinite(temperature))) fail("temperature", "must be > 0");
  if (missing_eos_penalty && !std::isfinite(*missing_eos_penalty))
    fail("missing_eos_penalty", "must be a finite number");
  if (!(kl_coefficient >= 0.0 && std::isfinite(kl_coefficient)))
    fail("kl_coefficient", "must be >= 0");
  if (kl_estimator != "k1" && kl_estimator != "k3")
    fail("kl_estimator", "'" + kl_estimator + "' is not one of k1, k3");
  if (ppo_epochs < 1) fail("ppo_epochs", "must be at least 1");
  if (minibatch_size < 1) fail("minibatch_size", "must be at least 1");
  if (!(clip_range > 0.0 && clip_range < 1.0)) fail("clip_range", "must be in (0, 1)");
  if (!(ratio_threshold > 1.0)) fail("ratio_threshold", "must be > 1");
  if (grpo_loss != "grpo" && grpo_loss != "dr_grpo")
    fail("grpo_loss", "'" + grpo_loss + "' is not one of grpo, dr_grpo");
  if (eval_prompts < 0) fail("eval_prompts", "must be >= 0");
  validate_loop_keys(*this, fail);
}

RlConfig rl_config_from_json(const nlohmann::json& json, const std::string& algorithm) {
  const ConfigReader reader(
      json, algorithm,
      with_loop_keys({"policy_dir", "reference_dir", "reward", "steps", "rollout_prompts",
                      "samples_per_prompt", "max_new_tokens", "temperature",
                      "missing_eos_penalty", "kl_coefficient", "kl_estimator", "ppo_epochs",
                      "minibatch_size", "clip_range", "ratio_threshold", "grpo_loss",
                      "eval_prompts"}));
  RlConfig config;
  config.algorithm = algorithm;
  if (algorithm == "grpo") config.kl_coefficient = 0.0, config.kl_estimator = "k3";
  reader.read("policy_dir", config.policy_dir);
  reader.read("reference_dir", config.reference_dir);
  if (reader.has("reward")) {
    const auto& reward = json["reward"];
    const ConfigReader reward_reader(reward, algorithm + ".reward", {"model", "function"});
    reward_reader.read("model", config.reward_model_dir);
    reward_reader.read("function", config.reward_function);
  }
  reader.read("steps", config.steps);
  reader.read("rollout_prompts", config.rollout_prompts);
  reader.read("samples_per_prompt", config.samples_per_prompt);
  reader.read("max_new_tokens", config.max_new_tokens);
  reader.read("temperature", config.temperature);
  if (reader.has("missing_eos_penalty"))
    reader.read("missing_eos_penalty", config.missing_eos_penalty.emplace());
  reader.read("kl_coefficient", config.kl_coefficient);
  reader.read("kl_estimator", config.kl_estimator);
  reader.read("ppo_epochs", config.ppo_epochs);
  reader.read("minibatch_size", config.minibatch_size);
  reader.read("clip_range", config.clip_range);
  reader.read("ratio_threshold", config.ratio_threshold);
  reader.read("grpo_loss", config.grpo_loss);
  reader.read("eval_prompts", config.eval_prompts);
  read_loop_keys(reader, json, config);
  config.validate();
  return config;
}

nlohmann::json to_json(const RlConfig& config) {
  nlohmann::json reward = config.reward_model_dir.empty()
                              ? nlohmann::json{{"function", config.reward_function}}
                              : nlohmann::json{{"model", config.reward_model_dir}};
  nlohmann::json json{{"policy_dir", config.policy_dir},
                      {"reference_dir", config.reference_dir},
                      {"reward", reward},
                      {"steps", config.steps},
                      {"rollout_prompts", config.rollout_prompts},
                      {"samples_per_prompt", config.samples_per_prompt},
                      {"max_new_tokens", config.max_new_tokens},
                      {"temperature", config.temperature},
                      {"missing_eos_penalty", config.missing_eos_penalty
                                                  ? nlohmann::json(*config.missing_eos_penalty)
                                                  : nlohmann::json(nullptr)},
                      {"kl_coefficient", config.kl_coefficient},
                      {"kl_estimator", config.kl_estimator},
                      {"ppo_epochs", config.ppo_epochs},
                      {"minibatch_size", config.minibatch_size},
                      {"clip_range", config.clip_range},
                      {"ratio_threshold", config.ratio_threshold},
                      {"grpo_loss", config.grpo_loss},
                      {"eval_prompts", config.eval_prompts}};
  write_loop_keys(config, json);
  return json;
}

}  // namespace prefstudio
