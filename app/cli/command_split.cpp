// `prefstudio-cli split PROJECT [--validation-fraction F] [--seed N]`: shows, and with options
// sets, the project's one train/validation split (db/project_split.h), which export, stats and
// every trainer read. Prints one JSON object: seed, validation_fraction, prompts_train,
// prompts_validation. Changing it moves prompts between the sides: runs trained before and after
// are then not evaluated on the same prompts.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "db/project_split.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_split(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {}, {"validation-fraction", "seed"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  db::Database project = db::open_project(parsed.positional[0], /*create=*/false);
  if (parsed.has("seed") || parsed.has("validation-fraction")) {
    db::SplitOptions current = db::project_split(project, db::Split::all);
    long long seed = parsed.get_int("seed", static_cast<long long>(current.seed));
    if (seed < 0) throw CliUsageError("--seed must not be negative");
    double fraction = parsed.get_double("validation-fraction", current.validation_fraction);
    if (!(fraction >= 0 && fraction < 1))
      throw CliUsageError("--validation-fraction must lie in [0, 1)");
    db::set_project_split(project, static_cast<uint64_t>(seed), fraction);
  }
  db::SplitOptions split = db::project_split(project, db::Split::all);
  db::SplitCounts counts = db::count_prompts_by_split(project, split);
  nlohmann::json out = {{"seed", split.seed},
                        {"validation_fraction", split.validation_fraction},
                        {"prompts_train", counts.prompts_train},
                        {"prompts_validation", counts.prompts_validation}};
  std::cout << out.dump() << "\n";
  return 0;
}

static CliRegistration reg({"split", "split PROJECT [--validation-fraction 0.1] [--seed N]",
                            "Show or set the project's train/validation split of prompts.",
                            run_split});

}  // namespace
}  // namespace prefstudio::cli
