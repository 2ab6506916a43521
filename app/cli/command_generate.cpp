// `prefstudio-cli generate PROJECT --model DIR [-k 4] [--max-new-tokens N] [--temperature T]
// [--top-p P] [--top-k K] [--seed S] [--batch-size B] [--device D] [--threads N]`: K completions
// for every prompt that has fewer, sampled with the KV cache and stored with the model (registered
// by content hash) and the sampling settings. Progress with completions/s on stderr; a JSON summary
// on stdout.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/completion_filler.h"
#include "app/cli/engine_commands.h"
#include "core/common/runtime.h"
#include "core/train/text_generator.h"
#include "db/run_store.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_generate(const std::vector<std::string>& raw_args) {
  // "-k 4" is the documented spelling; CliArgs reads it as the option "k".
  CliArgs args = CliArgs::parse(raw_args, {},
                                {"model", "k", "max-new-tokens", "temperature", "top-p", "top-k",
                                 "seed", "batch-size", "device", "threads"});
  if (args.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = args.positional[0];
  const std::string model_dir = args.require("model");
  GenerationConfig config;
  config.k = args.get_int("k", config.k);
  config.max_new_tokens = args.get_int("max-new-tokens", config.max_new_tokens);
  config.temperature = args.get_double("temperature", config.temperature);
  config.top_p = args.get_double("top-p", config.top_p);
  config.top_k = args.get_int("top-k", config.top_k);
  config.seed = static_cast<uint64_t>(args.get_int("seed", 0));
  config.batch_size = args.get_int("batch-size", config.batch_size);
  config.device = check_device(args.get("device", "cpu"), "--device");
  config.validate();
  init_torch_threads(static_cast<int>(args.get_int("threads", 0)));

  if (!std::filesystem::exists(project)) throw CliUsageError(project + ": no such project file");
  db::Database db = db::open_project(project, /*create=*/false);
  TextGenerator generator(model_dir, config.device);
  const std::string model_path = std::filesystem::absolute(model_dir).lexically_normal().string();
  const int64_t model_id = db::RunStore(db).register_model(
      std::filesystem::path(model_path).filename().string(), generator.content_hash(), model_path);
  FillReport report = fill_completions(db, generator, model_id, config, &std::cerr);
  nlohmann::json summary{
      {"prompts", report.prompts},
      {"completions_added", report.completions_added},
      {"samples_drawn", report.samples_drawn},
      {"prompts_short", report.prompts_short},
      {"seconds", report.seconds},
      {"completions_per_s", report.completions_added / std::max(1e-9, report.seconds)},
      {"tokens_per_s", generator.tokens_generated() / std::max(1e-9, report.seconds)},
      {"model_id", model_id},
      {"content_hash", generator.content_hash()},
      {"sampling", to_json(config)}};
  std::cout << summary.dump() << "\n";
  if (report.prompts_short > 0)
    std::cerr << "generate: " << report.prompts_short << " prompts have fewer than " << config.k
              << " distinct completions after " << kAttemptsPerCompletion * config.k
              << " samples each (raise --temperature?)\n";
  return 0;
}

static CliRegistration reg(engine_command("generate", run_generate));

}  // namespace
}  // namespace prefstudio::cli
