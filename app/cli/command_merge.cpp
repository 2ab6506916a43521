// `prefstudio-cli merge TARGET SOURCE...`: brings the rankings of labelers' offline copies into one
// project (db/project_merge.h has the matching and conflict rules). Each source is merged in its
// own transaction: a bad source is reported and skipped, the others still go in; exit code 1 then.
#include <iostream>

#include "app/cli/cli_command.h"
#include "db/project_merge.h"
#include "db/schema.h"

namespace prefstudio::cli {

namespace {

void print_report(const db::MergeReport& report) {
  std::cout << report.source << ": +" << report.prompts_added << " prompts, +"
            << report.completions_added << " completions, +" << report.labelers_added
            << " labelers, +" << report.models_added << " models, +" << report.versions_added
            << " ranking versions (" << report.versions_present << " already present), +"
            << report.annotations_added << " flags/comments, +" << report.card_orders_added
            << " card orders, " << report.conflicts.size() << " conflicts"
            << (report.changed() ? "" : " (nothing new)") << "\n";
  for (const auto& conflict : report.conflicts)
    std::cout << "  conflict: labeler '" << conflict.labeler << "', prompt " << conflict.prompt_id
              << " \"" << conflict.prompt_excerpt << "\": target " << conflict.target_created_at
              << " vs source " << conflict.source_created_at << " -> "
              << (conflict.source_won ? "source's is now current" : "target's stays current")
              << " (the other kept as an older version)\n";
}

int run_merge(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {}, {});
  if (!parsed.options.empty()) throw CliUsageError("merge takes no options");
  if (parsed.positional.size() < 2) throw CliUsageError("needs a TARGET and at least one SOURCE");
  db::Database target = db::open_project(parsed.positional[0]);
  int failed = 0;
  for (size_t i = 1; i < parsed.positional.size(); ++i) {
    try {
      print_report(db::merge_project(target, parsed.positional[i]));
    } catch (const db::DbError& e) {
      std::cerr << parsed.positional[i] << ": not merged (target unchanged by it): " << e.what()
                << "\n";
      ++failed;
    }
  }
  return failed ? 1 : 0;
}

CliRegistration registration({"merge", "merge TARGET SOURCE...",
                              "merge labelers' project copies into TARGET, matching by content; "
                              "conflicts: the later ranking is current, both kept",
                              run_merge});

}  // namespace

}  // namespace prefstudio::cli
