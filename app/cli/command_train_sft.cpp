// `prefstudio-cli train sft PROJECT --config FILE.json [--name NAME]`: supervised fine-tuning on
// prompt/response pairs from a JSONL file or from the project (each prompt's best-ranked
// completion). Metrics go to the project database as they happen and to stdout, one JSON object
// per line; Ctrl-C stops after the current step with a final checkpoint. Relative paths in the
// config (model_dir, output_dir, data_path, resume_from) are taken from the config file's folder.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/sft_run.h"
#include "core/common/core_error.h"
#include "core/train/sft_config.h"
#include "core/train/sft_jsonl.h"
#include "db/completion_store.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;

std::string resolve(const std::string& path, const fs::path& base) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (base / path).lexically_normal().string();
}

SftConfig read_config(const std::string& config_path) {
  std::ifstream in(config_path);
  if (!in) throw ConfigError(config_path + ": cannot open");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(config_path + ": invalid JSON (" + e.what() + ")");
  }
  // Either the SFT object itself or {"sft": {...}}.
  if (json.is_object() && json.contains("sft")) json = json["sft"];
  SftConfig config;
  try {
    config = sft_config_from_json(json);
  } catch (const ConfigError& e) {
    throw ConfigError(config_path + ": " + e.what());
  }
  const fs::path base = fs::path(config_path).parent_path();
  config.model_dir = resolve(config.model_dir, base);
  config.output_dir = resolve(config.output_dir, base);
  config.data_path = resolve(config.data_path, base);
  config.resume_from = resolve(config.resume_from, base);
  return config;
}

int run_train_sft(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {}, {"config", "name"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string config_path = parsed.require("config");
  SftConfig config = read_config(config_path);
  if (!fs::exists(project)) throw CliUsageError(project + ": no such project file");
  db::Database db = db::open_project(project, /*create=*/false);

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
      run_sft_in_project(db, config, std::move(examples), name, SinkEcho::kJsonLines);
  const SftResult& result = outcome.result;
  std::cout << nlohmann::json{{"run_id", outcome.run_id},
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

static CliRegistration reg(
    {"train sft", "train sft PROJECT --config FILE.json [--name NAME]",
     "Supervised fine-tuning; metrics to the project and stdout (JSON lines).", run_train_sft});

}  // namespace
}  // namespace prefstudio::cli
