// `prefstudio-cli stats PROJECT [--json]`: counts, rankings per labeler and inter-labeler agreement
// (fields in db/project_stats.h). Without --json, the same figures as readable lines.
#include <iostream>

#include "app/cli/cli_command.h"
#include "db/project_stats.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_stats(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"json"}, {"json"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  db::Database project = db::open_project(parsed.positional[0], /*create=*/false);
  nlohmann::json stats = db::project_stats(project);
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
  return 0;
}

static CliRegistration reg({"stats", "stats PROJECT [--json]",
                            "Counts, rankings per labeler and labeler agreement.", run_stats});

}  // namespace
}  // namespace prefstudio::cli
