// `prefstudio-cli config defaults KIND` and `prefstudio-cli config check KIND FILE.json`: what the
// GUI's launch form needs without linking the trainers. `defaults` prints every key of that
// trainer's config with its default (required paths empty, optional ones null; keys the algorithm
// does not read left out) the closed choices of its string keys
// and the devices this build can train on; `check` parses a config file exactly as `train KIND` will and names the field of the first
// error. KIND is sft, reward, dpo, ppo, rloo or grpo. Both print one JSON object; `check` exits 1
// on an invalid config.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/config_file.h"
#include "app/cli/engine_commands.h"
#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/train/dpo_config.h"
#include "core/train/reward_config.h"
#include "core/train/rl_config.h"
#include "core/train/sft_config.h"

namespace prefstudio::cli {
namespace {

bool is_rl(const std::string& kind) { return kind == "ppo" || kind == "rloo" || kind == "grpo"; }

void require_known(const std::string& kind) {
  if (kind != "sft" && kind != "reward" && kind != "dpo" && !is_rl(kind))
    throw CliUsageError("unknown KIND '" + kind + "': one of sft, reward, dpo, ppo, rloo, grpo");
}

// The trainer's parsed config, back as JSON (defaults filled in).
nlohmann::json parse_section(const std::string& kind, const nlohmann::json& json) {
  if (kind == "sft") return to_json(sft_config_from_json(json));
  if (kind == "reward") return to_json(reward_config_from_json(json));
  if (kind == "dpo") return to_json(dpo_config_from_json(json));
  require_known(kind);
  return to_json(rl_config_from_json(json, kind));
}

// The required paths, with a placeholder so the defaults parse; emptied again in the output.
nlohmann::json required_placeholders(const std::string& kind) {
  if (kind == "sft") return {{"model_dir", "-"}, {"output_dir", "-"}, {"data_path", "-"}};
  if (kind == "reward") return {{"model_dir", "-"}, {"output_dir", "-"}};
  if (kind == "dpo") return {{"policy_dir", "-"}, {"output_dir", "-"}};
  return {{"policy_dir", "-"}, {"output_dir", "-"}, {"reward", {{"model", "-"}}}};
}

nlohmann::json defaults_of(const std::string& kind) {
  nlohmann::json config = parse_section(kind, required_placeholders(kind));
  for (const char* key : {"model_dir", "policy_dir", "output_dir", "data_path"})
    if (config.contains(key)) config[key] = "";
  if (!is_rl(kind)) return config;
  config["reward"] = {{"model", ""}, {"function", ""}};
  // Keys the algorithm does not read, left out so the form shows only what matters.
  if (kind != "grpo") config.erase("grpo_loss");
  if (kind != "ppo")
    for (const char* key : {"ptx_coefficient", "ptx_data", "value_coefficient", "entropy_coefficient",
                            "clip_range_value", "discount", "gae_lambda", "whiten_advantages",
                            "value_optimizer", "value_init"})
      config.erase(key);
  return config;
}

// The closed sets of the string keys, by their path in the config (the form offers them as
// choices). They mirror the validators; `config check` is still what decides.
nlohmann::json choices_of(const std::string& kind, const nlohmann::json& devices) {
  nlohmann::json choices{{"device", devices},
                         {"optimizer.name", {"adamw", "galore_adamw"}},
                         {"optimizer.galore.proj_type", {"std", "reverse_std", "left", "right", "full"}}};
  if (kind == "sft") choices["data_source"] = {"jsonl", "project"};
  if (kind == "reward") choices["loss"] = {"pairwise", "plackett_luce"};
  if (kind == "dpo")
    choices["loss"] = {"sigmoid", "ipo", "cdpo", "robust", "hinge", "sigmoid_norm", "simpo"};
  if (kind == "reward" || kind == "dpo") choices["pair_mode"] = {"per_labeler", "consensus"};
  if (is_rl(kind)) {
    choices["kl_estimator"] = {"k1", "k3"};
    choices["reward.function"] = {"", "demo_sort"};
  }
  if (kind == "grpo") choices["grpo_loss"] = {"grpo", "dr_grpo"};
  if (kind == "ppo") {
    choices["value_init"] = {"reward", "policy"};
    choices["value_optimizer.name"] = choices["optimizer.name"];
    choices["value_optimizer.galore.proj_type"] = choices["optimizer.galore.proj_type"];
  }
  return choices;
}

int run_defaults(const std::string& kind) {
  require_known(kind);
  nlohmann::json devices = nlohmann::json::array({"cpu"});
  if (cuda_available()) devices.push_back("cuda");
  std::cout << nlohmann::json{{"kind", kind},
                              {"config", defaults_of(kind)},
                              {"choices", choices_of(kind, devices)},
                              {"devices", devices}}
                   .dump(2)
            << std::endl;
  return 0;
}

// "<path>: dpo.beta: must be > 0" -> "dpo.beta"; a nested parser's "optimizer.lr: ..." ->
// "<kind>.optimizer.lr"; "" when the message names no field.
std::string field_of(const std::string& message, const std::string& path,
                     const std::string& kind) {
  const std::string rest =
      message.rfind(path + ": ", 0) == 0 ? message.substr(path.size() + 2) : message;
  const size_t end = rest.find(": ");
  if (end == std::string::npos) return "";
  const std::string token = rest.substr(0, end);
  if (token.empty() || token.find_first_of(" '\"") != std::string::npos) return "";
  return token.rfind(kind + ".", 0) == 0 ? token : kind + "." + token;
}

int run_check(const std::string& kind, const std::string& path) {
  require_known(kind);
  try {
    parse_config_file(path, kind, [&](const nlohmann::json& json) {
      return parse_section(kind, json);
    });
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    std::cout << nlohmann::json{{"ok", false}, {"field", field_of(message, path, kind)},
                                {"message", message}}
                     .dump()
              << std::endl;
    return 1;
  }
  std::cout << nlohmann::json{{"ok", true}}.dump() << std::endl;
  return 0;
}

int run_config(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {}, {});
  const auto& words = parsed.positional;
  if (words.size() == 2 && words[0] == "defaults") return run_defaults(words[1]);
  if (words.size() == 3 && words[0] == "check") return run_check(words[1], words[2]);
  throw CliUsageError("expected `config defaults KIND` or `config check KIND FILE.json`");
}

static CliRegistration reg(engine_command("config", run_config));

}  // namespace
}  // namespace prefstudio::cli
