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
  if (algorithm != "ppo" && algorithm != "rloo" && algorithm != "grpo")
    throw ConfigError("rl: algorithm '" + algorithm + "' is not one of ppo, rloo, grpo");
  if (policy_dir.empty()) fail("policy_dir", "is required");
  if (reward_model_dir.empty() == reward_function.empty())
    fail("reward", "give exactly one of {\"model\": DIR} and {\"function\": \"demo_sort\"}");
  if (!reward_function.empty() && reward_function != "demo_sort")
    fail("reward", "function '" + reward_function + "' is not one of demo_sort");
  if (steps < 1) fail("steps", "must be at least 1");
  if (rollout_prompts < 1) fail("rollout_prompts", "must be at least 1");
  if (algorithm == "ppo" ? samples_per_prompt < 1 : samples_per_prompt < 2)
    fail("samples_per_prompt", algorithm == "ppo" ? "must be at least 1"
                                                  : "must be at least 2 (the group)");
  if (max_new_tokens < 1) fail("max_new_tokens", "must be at least 1");
  if (!(temperature > 0.0 && std::isfinite(temperature))) fail("temperature", "must be > 0");
  if (missing_eos_penalty && !std::isfinite(*missing_eos_penalty))
    fail("missing_eos_penalty", "must be a finite number");
  if (!(kl_coefficient >= 0.0 && std::isfinite(kl_coefficient)))
    fail("kl_coefficient", "must be >= 0");
  if (kl_estimator != "k1" && kl_estimator != "k3")
    fail("kl_estimator", "'" + kl_estimator + "' is not one of k1, k3");
  if (kl_target && !(*kl_target > 0.0 && std::isfinite(*kl_target)))
    fail("kl_target", "must be > 0");
  if (!(kl_horizon > 0.0 && std::isfinite(kl_horizon))) fail("kl_horizon", "must be > 0");
  if (ppo_epochs < 1) fail("ppo_epochs", "must be at least 1");
  if (minibatch_size < 1) fail("minibatch_size", "must be at least 1");
  // One loop step is one minibatch here; accumulating would silently draw extra rollouts.
  if (grad_accum != 1) fail("grad_accum", "must be 1 (raise minibatch_size instead)");
  if (!(clip_range > 0.0 && clip_range < 1.0)) fail("clip_range", "must be in (0, 1)");
  if (!(ratio_threshold > 1.0)) fail("ratio_threshold", "must be > 1");
  if (grpo_loss != "grpo" && grpo_loss != "dr_grpo")
    fail("grpo_loss", "'" + grpo_loss + "' is not one of grpo, dr_grpo");
  if (eval_prompts < 0) fail("eval_prompts", "must be >= 0");
  if (!(clip_range_value > 0.0 && std::isfinite(clip_range_value)))
    fail("clip_range_value", "must be > 0");
  if (!(value_coefficient >= 0.0 && std::isfinite(value_coefficient)))
    fail("value_coefficient", "must be >= 0");
  if (!(entropy_coefficient >= 0.0 && std::isfinite(entropy_coefficient)))
    fail("entropy_coefficient", "must be >= 0");
  if (!(discount >= 0.0 && discount <= 1.0)) fail("discount", "must be in [0, 1]");
  if (!(gae_lambda >= 0.0 && gae_lambda <= 1.0)) fail("gae_lambda", "must be in [0, 1]");
  if (!(ptx_coefficient >= 0.0 && std::isfinite(ptx_coefficient)))
    fail("ptx_coefficient", "must be >= 0");
  if (value_init != "reward" && value_init != "policy")
    fail("value_init", "'" + value_init + "' is not one of reward, policy");
  if (ptx_coefficient > 0.0 && ptx_data.empty())
    fail("ptx_data", "is required when ptx_coefficient > 0 (an SFT JSONL file, or \"project\")");
  if (algorithm != "ppo") {
    // Keys only PPO reads: refusing them elsewhere says they would do nothing.
    const RlConfig defaults;
    if (ptx_coefficient != defaults.ptx_coefficient) fail("ptx_coefficient", "is PPO's only");
    if (value_coefficient != defaults.value_coefficient) fail("value_coefficient", "is PPO's only");
    if (entropy_coefficient != defaults.entropy_coefficient)
      fail("entropy_coefficient", "is PPO's only");
  }
  validate_loop_keys(*this, fail);
}

RlConfig rl_config_from_json(const nlohmann::json& json, const std::string& algorithm) {
  const ConfigReader reader(
      json, algorithm,
      with_loop_keys({"policy_dir", "reference_dir", "reward", "steps", "rollout_prompts",
                      "samples_per_prompt", "max_new_tokens", "temperature",
                      "missing_eos_penalty", "kl_coefficient", "kl_estimator", "ppo_epochs",
                      "minibatch_size", "clip_range", "ratio_threshold", "grpo_loss",
                      "eval_prompts", "kl_target", "kl_horizon", "clip_range_value",
                      "value_coefficient", "entropy_coefficient", "discount", "gae_lambda",
                      "whiten_advantages", "ptx_coefficient", "ptx_data", "value_optimizer",
                      "value_init"}));
  RlConfig config;
  config.algorithm = algorithm;
  if (algorithm == "grpo") config.kl_coefficient = 0.0, config.kl_estimator = "k3";
  if (algorithm == "ppo")
    config.kl_coefficient = 0.02, config.samples_per_prompt = 1, config.ppo_epochs = 4;
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
  if (reader.has("kl_target")) reader.read("kl_target", config.kl_target.emplace());
  reader.read("kl_horizon", config.kl_horizon);
  reader.read("clip_range_value", config.clip_range_value);
  reader.read("value_coefficient", config.value_coefficient);
  reader.read("entropy_coefficient", config.entropy_coefficient);
  reader.read("discount", config.discount);
  reader.read("gae_lambda", config.gae_lambda);
  reader.read("whiten_advantages", config.whiten_advantages);
  reader.read("ptx_coefficient", config.ptx_coefficient);
  reader.read("ptx_data", config.ptx_data);
  reader.read("value_init", config.value_init);
  read_loop_keys(reader, json, config);
  config.value_optimizer = config.optimizer;
  if (reader.has("value_optimizer")) {
    try {
      config.value_optimizer = optimizer_config_from_json(json["value_optimizer"]);
    } catch (const ConfigError& e) {
      throw ConfigError(algorithm + ".value_" + e.what());
    }
  }
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
                      {"eval_prompts", config.eval_prompts},
                      {"kl_target", config.kl_target ? nlohmann::json(*config.kl_target)
                                                     : nlohmann::json(nullptr)},
                      {"kl_horizon", config.kl_horizon},
                      {"clip_range_value", config.clip_range_value},
                      {"value_coefficient", config.value_coefficient},
                      {"entropy_coefficient", config.entropy_coefficient},
                      {"discount", config.discount},
                      {"gae_lambda", config.gae_lambda},
                      {"whiten_advantages", config.whiten_advantages},
                      {"ptx_coefficient", config.ptx_coefficient},
                      {"ptx_data", config.ptx_data},
                      {"value_init", config.value_init},
                      {"value_optimizer", to_json(config.value_optimizer)}};
  write_loop_keys(config, json);
  return json;
}

}  // namespace prefstudio
