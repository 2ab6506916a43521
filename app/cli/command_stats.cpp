// `prefstudio-cli stats PROJECT [--json]`: counts, rankings per labeler and inter-labeler agreement
// (fields in db/project_stats.h), plus "split": the project's train/validation split and its prompt
// counts (db/project_split.h). Without --json, the same figures as readable lines.
#include <iostream>

#include "app/cli/cli_command.h"
#include "db/project_split.h"
#include "db/project_stats.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_stats(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"json"}, {"json"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  db::Database project = db::open_project(parsed.positional[0], /*create=*/false);
  nlohmann::json stats = db::project_stats(project);
  db::SplitOptions split = db::project_split(project, db::Split::all);
  db::SplitCounts counts = db::count_prompts_by_split(project, split);
  stats["split"] = {{"seed", split.seed},
                    {"validation_fraction", split.validation_fraction},
                    {"prompts_train", counts.prompts_train},
                    {"prompts_validation", counts.prompts_validation}};
  if (parsed.has("json")) {
    std::cout << stats.dump(2) << "\n";
    return 0;
  }
  for (const char* key :
       {"prompts", "completions", "labelers", "rankings", "rankings_skipped", "rankings_all_bad",
        "ranking_versions", "prompts_ranked", "pairs", "consensus_pairs"})
    std::cout << key << ": " << stats[key] << "\n";
  std::cout << "rankings per labeler:\n";
  for (const auto& [name, count] : stats["rankings_per_labeler"].items())
    std::cout << "  " << name << ": " << count << "\n";
  const auto& agreement = stats["agreement"];
  std::cout << "agreement on " << agreement["prompts"]
            << " prompts ranked by several labelers: " << agreement["pairs_agreed"] << " of "
            << agreement["pairs_compared"] << " pairs";
  if (!agreement["rate"].is_null())
    std::cout << " (" << 100.0 * agreement["rate"].get<double>() << "%)";
  std::cout << "\n";
  std::cout << "split (seed " << split.seed << ", validation fraction " << split.validation_fraction
            << "): " << counts.prompts_train << " train, " << counts.prompts_validation
            << " validation prompts\n";
  return 0;
}

static CliRegistration reg({"stats", "stats PROJECT [--json]",
                            "Counts, rankings per labeler and labeler agreement.", run_stats});

}  // namespace
}  // namespace prefstudio::cli
