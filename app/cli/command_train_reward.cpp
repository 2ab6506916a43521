// `prefstudio-cli train reward PROJECT --config FILE.json [--name NAME]`: a reward model on the
// labelers' K-wise rankings of the project's training split (InstructGPT step 2), calibrated on the
// validation split at each evaluation. Metrics go to the project and to stdout as JSON lines; the
// summary line comes last; Ctrl-C stops after the current step with a final checkpoint. Relative
// paths in the config are taken from the config file's folder. Data parallel (--nproc, torchrun's
// variables): train_command.h.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/config_file.h"
#include "app/cli/ranking_loader.h"
#include "app/cli/train_command.h"
#include "app/cli/trainer_run.h"
#include "core/common/core_error.h"
#include "core/train/reward_trainer.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;

RewardConfig read_config(const std::string& config_path) {
  RewardConfig config = parse_config_file(config_path, "reward", &reward_config_from_json);
  config.model_dir = resolve_config_path(config.model_dir, config_path);
  config.output_dir = resolve_config_path(config.output_dir, config_path);
  config.resume_from = resolve_config_path(config.resume_from, config_path);
  return config;
}

RewardData load_data(db::Database& db, const RewardConfig& config, const std::string& project) {
  RewardData data;
  data.train = load_rankings(db, db::Split::train, config.pair_mode, config.labelers,
                             "reward.pair_mode");
  if (data.train.empty())
    throw ConfigError(project + ": no ranked prompt on the training split" +
                      (config.labelers.empty() ? std::string() : " from reward.labelers") +
                      "; rank completions first (or check `prefstudio-cli split`)");
  data.validation = load_rankings(db, db::Split::validation, config.pair_mode, config.labelers,
                                  "reward.pair_mode");
  data.reference = config.pair_mode == "consensus"
                       ? data.train
                       : load_rankings(db, db::Split::train, "consensus", config.labelers);
  return data;
}

nlohmann::json summary(int64_t run_id, const RewardResult& result) {
  return {{"run_id", run_id},
          {"status", result.stopped ? "stopped" : "finished"},
          {"steps", result.steps_done},
          {"loss_train", result.loss_train},
          {"accuracy_train", result.accuracy_train},
          {"loss_val", result.loss_val},
          {"accuracy_val", result.accuracy_val},
          {"ece_val", result.ece_val},
          {"reward_offset", result.reward_offset},
          {"final_checkpoint", result.final_dir},
          {"content_hash", result.final_hash},
          {"prompts_train", result.prompts_train},
          {"rankings_train", result.rankings_train},
          {"pairs_train", result.pairs_train},
          {"prompts_val", result.prompts_val},
          {"pairs_val", result.pairs_val},
          {"completions_skipped", result.completions_skipped},
          {"rankings_dropped", result.rankings_dropped},
          {"seconds", result.seconds}};
}

int run_train_reward(const std::vector<std::string>& args, TrainingProcess& process) {
  CliArgs parsed = CliArgs::parse(args, {}, {"config", "name"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string config_path = parsed.require("config");
  const RewardConfig config = read_config(config_path);
  if (!fs::exists(project)) throw CliUsageError(project + ": no such project file");
  db::Database db = process.open_project(project);
  RewardData data = load_data(db, config, project);

  RewardResult result;
  const std::string name = parsed.get("name", fs::path(config_path).stem().string());
  const std::optional<int64_t> run_id = run_in_project(
      process, db, "reward", name, to_json(config).dump(), SinkEcho::kJsonLines,
      [&](MetricsSink& sink, int64_t id, TrainerHookup& hookup) {
        RewardTrainer trainer(config, std::move(data), id);
        result = hookup.run_trainer(trainer, sink);
        return RunEnd{result.stopped, result.time_limited};
      });
  if (run_id) std::cout << summary(*run_id, result).dump() << std::endl;
  return 0;
}

static CliRegistration reg(train_command("train reward", run_train_reward));

}  // namespace
}  // namespace prefstudio::cli
