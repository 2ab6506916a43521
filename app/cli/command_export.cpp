// `prefstudio-cli export PROJECT --format pairs|rankings|sft --split train|validation|all -o FILE`:
// writes the current ranked rankings as JSONL (see db/jsonl_exporter.h for the row shapes).
#include <iostream>

#include "app/cli/cli_command.h"
#include "db/jsonl_exporter.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_export(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(
      args, {}, {"format", "split", "o", "output", "seed", "validation-fraction", "mode"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  db::ExportOptions options;
  options.format = parsed.get("format", "pairs");
  if (options.format != "pairs" && options.format != "rankings" && options.format != "sft")
    throw CliUsageError("--format is pairs, rankings or sft, not '" + options.format + "'");
  try {
    options.split.split = db::parse_split(parsed.get("split", "all"));
    options.mode = db::parse_pair_mode(parsed.get("mode", "per-labeler"));
  } catch (const std::invalid_argument& e) {
    throw CliUsageError(e.what());
  }
  long long seed = parsed.get_int("seed", 0);
  if (seed < 0) throw CliUsageError("--seed must not be negative");
  options.split.seed = static_cast<uint64_t>(seed);
  options.split.validation_fraction = parsed.get_double("validation-fraction", 0.1);
  if (options.split.validation_fraction < 0 || options.split.validation_fraction > 1)
    throw CliUsageError("--validation-fraction must lie in [0, 1]");
  std::string out = parsed.has("o") ? parsed.get("o", "") : parsed.require("output");
  db::Database project = db::open_project(parsed.positional[0], /*create=*/false);
  int64_t rows = db::export_jsonl(project, options, out);
  std::cout << "wrote " << rows << " " << options.format << " rows ("
            << db::split_name(options.split.split) << ") to " << out << "\n";
  return 0;
}

static CliRegistration reg(
    {"export",
     "export PROJECT --format pairs|rankings|sft --split train|validation|all -o FILE "
     "[--seed N] [--validation-fraction 0.1] [--mode per-labeler|consensus]",
     "Export pairs (TRL), rankings or SFT rows as JSONL.", run_export});

}  // namespace
}  // namespace prefstudio::cli
