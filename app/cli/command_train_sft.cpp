// `prefstudio-cli train sft PROJECT --config FILE.json [--name NAME]`: supervised fine-tuning on
// prompt/response pairs from a JSONL file or from the project (each prompt's best-ranked
// completion). Metrics go to the project database as they happen and to stdout, one JSON object
// per line; Ctrl-C stops after the current step with a final checkpoint. Relative paths in the
// config (model_dir, output_dir, data_path, resume_from) are taken from the config file's folder.
// Data parallel (--nproc, torchrun's variables): train_command.h.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/config_file.h"
#include "app/cli/sft_run.h"
#include "app/cli/train_command.h"
#include "core/common/core_error.h"
#include "core/train/sft_config.h"
#include "core/train/sft_jsonl.h"
#include "db/completion_store.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;

SftConfig read_config(const std::string& config_path) {
  SftConfig config = parse_config_file(config_path, "sft", &sft_config_from_json);
  config.model_dir = resolve_config_path(config.model_dir, config_path);
  config.output_dir = resolve_config_path(config.output_dir, config_path);
  config.data_path = resolve_config_path(config.data_path, config_path);
  config.resume_from = resolve_config_path(config.resume_from, config_path);
  return config;
}

int run_train_sft(const std::vector<std::string>& args, TrainingProcess& process) {
  CliArgs parsed = CliArgs::parse(args, {}, {"config", "name"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string config_path = parsed.require("config");
  SftConfig config = read_config(config_path);
  if (!fs::exists(project)) throw CliUsageError(project + ": no such project file");
  db::Database db = process.open_project(project);

  std::vector<SftExample> examples;
  if (config.data_source == "jsonl") {
    examples = read_sft_jsonl(config.data_path);
  } else {
    for (const auto& best : db::CompletionStore(db).top_ranked_completions())
      examples.push_back({best.prompt, best.response});
    if (examples.empty())
      throw ConfigError(config_path + ": sft.data_source: the project " + project +
                        " has no ranked completions to train on");
  }
  const std::string name = parsed.get("name", fs::path(config_path).stem().string());
  SftRunOutcome outcome =
      run_sft_in_project(process, db, config, std::move(examples), name, SinkEcho::kJsonLines);
  if (!outcome.run_id) return 0;  // a rank other than 0: rank 0 prints the summary
  const SftResult& result = outcome.result;
  std::cout << nlohmann::json{{"run_id", *outcome.run_id},
                              {"status", result.stopped ? "stopped" : "finished"},
                              {"steps", result.steps_done},
                              {"loss_train", result.loss_train},
                              {"loss_val", result.loss_val},
                              {"final_checkpoint", result.final_dir},
                              {"content_hash", result.final_hash},
                              {"examples_train", result.examples_train},
                              {"examples_val", result.examples_val},
                              {"seconds", result.seconds}}
                   .dump()
            << std::endl;
  return 0;
}

static CliRegistration reg(train_command("train sft", run_train_sft));

}  // namespace
}  // namespace prefstudio::cli
