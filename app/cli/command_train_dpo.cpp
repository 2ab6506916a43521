// `prefstudio-cli train dpo PROJECT --config FILE.json [--name NAME]`: DPO (or IPO, cDPO, robust,
// hinge, Tulu 3's length-normalised sigmoid, SimPO) from the SFT model on the labelers' K-wise
// rankings of the project's training split. The reference's log-probs are cached in the project,
// so a second run on the same reference does not load it for training; each evaluation samples the
// validation prompts (KL to the reference, reward-model score, the demo's true score) and stores
// the samples. Metrics go to the project and to stdout as JSON lines, the summary line last;
// Ctrl-C stops after the current step with a final checkpoint. Relative paths in the config are
// taken from the config file's folder. Data parallel (--nproc, torchrun's variables):
// train_command.h; only rank 0 adds to the project's reference cache.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/config_file.h"
#include "app/cli/project_reference_cache.h"
#include "app/cli/ranking_loader.h"
#include "app/cli/train_command.h"
#include "app/cli/trainer_run.h"
#include "core/common/core_error.h"
#include "core/train/dpo_trainer.h"
#include "db/project_split.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;

DpoConfig read_config(const std::string& config_path) {
  DpoConfig config = parse_config_file(config_path, "dpo", &dpo_config_from_json);
  for (std::string* path : {&config.policy_dir, &config.reference_dir, &config.output_dir,
                            &config.resume_from, &config.reward_model_dir})
    *path = resolve_config_path(*path, config_path);
  return config;
}

DpoData load_data(db::Database& db, const DpoConfig& config, const std::string& project) {
  DpoData data;
  data.train = load_rankings(db, db::Split::train, config.pair_mode, config.labelers,
                             "dpo.pair_mode");
  if (data.train.empty())
    throw ConfigError(project + ": no ranked prompt on the training split" +
                      (config.labelers.empty() ? std::string() : " from dpo.labelers") +
                      "; rank completions first (or check `prefstudio-cli split`)");
  data.validation = load_rankings(db, db::Split::validation, config.pair_mode, config.labelers,
                                  "dpo.pair_mode");
  for (auto& [id, text] :
       db::prompts_on_split(db, db::project_split(db, db::Split::validation), config.eval_prompts))
    data.eval_prompts.push_back(std::move(text));
  return data;
}

nlohmann::json summary(int64_t run_id, const DpoResult& result) {
  return {{"run_id", run_id},
          {"status", result.stopped ? "stopped" : "finished"},
          {"steps", result.steps_done},
          {"loss", result.loss},
          {"rewards/accuracies", result.accuracy},
          {"rewards/margins", result.margin},
          {"eval/kl", number_or_null(result.eval_kl)},
          {"eval/true_score", number_or_null(result.eval_true_score)},
          {"eval/reward", number_or_null(result.eval_reward)},
          {"eval/rewards/accuracies", number_or_null(result.eval_accuracy)},
          {"final_checkpoint", result.final_dir},
          {"content_hash", result.final_hash},
          {"prompts_train", result.prompts_train},
          {"rankings_train", result.rankings_train},
          {"pairs_train", result.pairs_train},
          {"completions_skipped", result.completions_skipped},
          {"rankings_dropped", result.rankings_dropped},
          {"reference_cached", result.reference_cached},
          {"reference_computed", result.reference_computed},
          {"seconds", result.seconds}};
}

int run_train_dpo(const std::vector<std::string>& args, TrainingProcess& process) {
  CliArgs parsed = CliArgs::parse(args, {}, {"config", "name"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string config_path = parsed.require("config");
  const DpoConfig config = read_config(config_path);
  if (!fs::exists(project)) throw CliUsageError(project + ": no such project file");
  db::Database db = process.open_project(project);
  DpoData data = load_data(db, config, project);
  ProjectReferenceCache cache(db, /*stores=*/process.records_run());

  DpoResult result;
  const std::string name = parsed.get("name", fs::path(config_path).stem().string());
  const std::optional<int64_t> run_id = run_in_project(
      process, db, "dpo", name, to_json(config).dump(), SinkEcho::kJsonLines,
      [&](MetricsSink& sink, int64_t id, TrainerHookup& hookup) {
        DpoTrainer trainer(config, std::move(data), &cache, id);
        result = hookup.run_trainer(trainer, sink);
        return RunEnd{result.stopped, result.time_limited};
      });
  if (run_id) std::cout << summary(*run_id, result).dump() << std::endl;
  return 0;
}

static CliRegistration reg(train_command("train dpo", run_train_dpo));

}  // namespace
}  // namespace prefstudio::cli
