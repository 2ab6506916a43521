// `prefstudio-cli export PROJECT --format pairs|rankings|sft --split train|validation|all -o FILE`:
// writes the current ranked rankings as JSONL (see db/jsonl_exporter.h for the row shapes). The
// sides are the project's one split (`prefstudio-cli split`), the same the trainers hold out.
#include <iostream>

#include "app/cli/cli_command.h"
#include "db/jsonl_exporter.h"
#include "db/project_split.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_export(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {}, {"format", "split", "o", "output", "mode"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  db::ExportOptions options;
  options.format = parsed.get("format", "pairs");
  if (options.format != "pairs" && options.format != "rankings" && options.format != "sft")
    throw CliUsageError("--format is pairs, rankings or sft, not '" + options.format + "'");
  db::Split side = db::Split::all;
  try {
    side = db::parse_split(parsed.get("split", "all"));
    options.mode = db::parse_pair_mode(parsed.get("mode", "per-labeler"));
  } catch (const std::invalid_argument& e) {
    throw CliUsageError(e.what());
  }
  std::string out = parsed.has("o") ? parsed.get("o", "") : parsed.require("output");
  db::Database project = db::open_project(parsed.positional[0], /*create=*/false);
  options.split = db::project_split(project, side);
  int64_t rows = db::export_jsonl(project, options, out);
  std::cout << "wrote " << rows << " " << options.format << " rows ("
            << db::split_name(options.split.split) << ") to " << out << "\n";
  return 0;
}

static CliRegistration reg(
    {"export",
     "export PROJECT --format pairs|rankings|sft --split train|validation|all -o FILE "
     "[--mode per-labeler|consensus]",
     "Export pairs (TRL), rankings or SFT rows as JSONL.", run_export});

}  // namespace
}  // namespace prefstudio::cli
