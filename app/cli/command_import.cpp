// `prefstudio-cli import PROJECT FILE`: imports a JSONL file (formats in docs/schema.md), creating
// the project if it does not exist. All or nothing; a bad line exits 1 with "FILE:LINE: what".
#include <unistd.h>

#include <iostream>

#include "app/cli/cli_command.h"
#include "db/jsonl_importer.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_import(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"quiet"}, {"quiet"});
  if (parsed.positional.size() != 2) throw CliUsageError("expected PROJECT and FILE");
  db::Database project = db::open_project(parsed.positional[0], /*create=*/true);
  bool show_progress = !parsed.has("quiet") && isatty(STDERR_FILENO);
  db::ImportProgress progress;
  if (show_progress)
    progress = [](int64_t done, int64_t total) {
      std::cerr << "\rimporting " << (total > 0 ? 100 * done / total : 100) << "%" << std::flush;
      return true;
    };
  db::ImportReport report = db::import_jsonl(project, parsed.positional[1], progress);
  if (show_progress) std::cerr << "\n";
  std::cout << "imported " << parsed.positional[1] << " (" << report.format << "): " << report.lines
            << " lines; added " << report.prompts_added << " prompts, " << report.completions_added
            << " completions, " << report.rankings_added << " rankings ("
            << report.rankings_replaced << " replacing an older version, "
            << report.rankings_unchanged << " unchanged), " << report.labelers_added
            << " labelers\n";
  for (const std::string& warning : report.warnings) std::cerr << "warning: " << warning << "\n";
  if (report.warnings_total > static_cast<int64_t>(report.warnings.size()))
    std::cerr << "warning: " << report.warnings_total - report.warnings.size() << " more\n";
  return 0;
}

static CliRegistration reg({"import", "import PROJECT FILE [--quiet]",
                            "Import prompts, completions, rankings or pairs from JSONL.",
                            run_import});

}  // namespace
}  // namespace prefstudio::cli
