// `prefstudio-cli train ppo|rloo|grpo PROJECT --config FILE.json [--name NAME]`: online RL from a
// reward, from the SFT model on the project's training prompts: samples scored by a reward model
// ({"model": DIR}) or the demo's rule ({"function": "demo_sort"}); PPO's advantages from its
// critic, RLOO's and GRPO's within each prompt's group of K; the clipped update. Each evaluation samples
// the validation prompts (KL to the reference, reward, the demo's true score) and stores the
// samples. Metrics go to the project and to stdout as JSON lines, the summary line last; Ctrl-C
// stops after the current update with a final checkpoint. Relative paths in the config are taken
// from the config file's folder. Data parallel (--nproc, torchrun's variables): train_command.h.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/config_file.h"
#include "app/cli/train_command.h"
#include "app/cli/trainer_run.h"
#include "core/common/core_error.h"
#include "core/train/rl_trainer.h"
#include "core/train/sft_jsonl.h"
#include "db/completion_store.h"
#include "db/project_split.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;

RlConfig read_config(const std::string& config_path, const std::string& algorithm) {
  RlConfig config = parse_config_file(config_path, algorithm, [&](const nlohmann::json& json) {
    return rl_config_from_json(json, algorithm);
  });
  for (std::string* path : {&config.policy_dir, &config.reference_dir, &config.output_dir,
                            &config.resume_from, &config.reward_model_dir})
    *path = resolve_config_path(*path, config_path);
  if (config.ptx_data != "project") config.ptx_data = resolve_config_path(config.ptx_data, config_path);
  return config;
}

RlData load_data(db::Database& db, const RlConfig& config, const std::string& project) {
  RlData data;
  for (auto& [id, text] : db::prompts_on_split(db, db::project_split(db, db::Split::train)))
    data.train_prompts.push_back(std::move(text));
  if (data.train_prompts.empty())
    throw ConfigError(project + ": no prompt on the training split; import prompts first");
  // eval_prompts 0: no evaluation (prompts_on_split reads 0 as "all").
  if (config.eval_prompts > 0)
    for (auto& [id, text] : db::prompts_on_split(
             db, db::project_split(db, db::Split::validation), config.eval_prompts))
      data.eval_prompts.push_back(std::move(text));
  data.rule = demo_rule_score;  // {"function": "demo_sort"}, and the true score of evaluations
  // PPO-ptx's demonstrations: an SFT JSONL file or the project's top-ranked completions.
  if (config.ptx_coefficient > 0 && config.ptx_data == "project") {
    for (const auto& best : db::CompletionStore(db).top_ranked_completions())
      data.ptx_examples.push_back({best.prompt, best.response});
    if (data.ptx_examples.empty())
      throw ConfigError(config.algorithm + ".ptx_data: the project " + project +
                        " has no ranked completions");
  } else if (config.ptx_coefficient > 0) {
    data.ptx_examples = read_sft_jsonl(config.ptx_data);
  }
  return data;
}

int run_train_rl(const std::vector<std::string>& args, TrainingProcess& process,
                 const std::string& algorithm) {
  CliArgs parsed = CliArgs::parse(args, {}, {"config", "name"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string config_path = parsed.require("config");
  const RlConfig config = read_config(config_path, algorithm);
  if (!fs::exists(project)) throw CliUsageError(project + ": no such project file");
  db::Database db = process.open_project(project);
  RlData data = load_data(db, config, project);

  RlResult result;
  const std::string name = parsed.get("name", fs::path(config_path).stem().string());
  const std::optional<int64_t> run_id = run_in_project(
      process, db, algorithm, name, to_json(config).dump(), SinkEcho::kJsonLines,
      [&](MetricsSink& sink, int64_t id, TrainerHookup& hookup) {
        RlTrainer trainer(config, std::move(data), id);
        result = hookup.run_trainer(trainer, sink);
        return RunEnd{result.stopped, result.time_limited};
      });
  if (!run_id) return 0;  // a rank other than 0: rank 0 prints the summary
  std::cout << nlohmann::json{{"run_id", *run_id},
                              {"status", result.stopped ? "stopped" : "finished"},
                              {"rollouts", result.rollouts_done},
                              {"updates", result.updates_done},
                              {"updates_skipped", result.updates_skipped},
                              {"objective/scores", number_or_null(result.score)},
                              {"objective/kl", number_or_null(result.kl)},
                              {"eval/kl", number_or_null(result.eval_kl)},
                              {"eval/true_score", number_or_null(result.eval_true_score)},
                              {"eval/reward", number_or_null(result.eval_reward)},
                              {"final_checkpoint", result.final_dir},
                              {"content_hash", result.final_hash},
                              {"seconds", result.seconds}}
                   .dump()
            << std::endl;
  return 0;
}

// One body for the three algorithms; the name picks the config section.
TrainCommandBody rl_body(const std::string& algorithm) {
  return [algorithm](const std::vector<std::string>& args, TrainingProcess& process) {
    return run_train_rl(args, process, algorithm);
  };
}

static CliRegistration ppo(train_command("train ppo", rl_body("ppo")));
static CliRegistration rloo(train_command("train rloo", rl_body("rloo")));
static CliRegistration grpo(train_command("train grpo", rl_body("grpo")));

}  // namespace
}  // namespace prefstudio::cli
