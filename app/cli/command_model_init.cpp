// `prefstudio-cli model init --config FILE.json --out DIR`: a freshly initialised GPT-2, Llama or
// Qwen2 in the checkpoint layout. FILE.json holds Hugging Face config keys plus "tokenizer" ("byte"
// or a folder of tokenizer files, relative to FILE.json's folder) and "seed". Prints one JSON line.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"
#include "core/common/core_error.h"
#include "core/model/model_init.h"

namespace prefstudio::cli {
namespace {

int run_model_init(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {}, {"config", "out"});
  if (!parsed.positional.empty())
    throw CliUsageError("unexpected argument " + parsed.positional[0]);
  const std::string config_path = parsed.require("config");
  const std::string out_dir = parsed.require("out");
  std::ifstream in(config_path);
  if (!in) throw ConfigError(config_path + ": cannot open");
  nlohmann::json spec;
  try {
    spec = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(config_path + ": invalid JSON (" + e.what() + ")");
  }
  const std::string base_dir = std::filesystem::path(config_path).parent_path().string();
  ModelInitResult result =
      init_model_checkpoint(spec, out_dir, config_path, base_dir.empty() ? "." : base_dir);
  nlohmann::json out{{"out", out_dir},
                     {"parameters", result.parameter_count},
                     {"content_hash", result.content_hash},
                     {"config", to_json(result.config)}};
  std::cout << out.dump() << "\n";
  return 0;
}

static CliRegistration reg(engine_command("model init", run_model_init));

}  // namespace
}  // namespace prefstudio::cli
