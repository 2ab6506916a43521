// `prefstudio-cli init PROJECT`: creates an empty project file at the latest schema. Refuses an
// existing file, so a typo cannot turn someone's data into a "new" project.
#include <sys/stat.h>

#include <iostream>

#include "app/cli/cli_command.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_init(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {}, {"none"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string& path = parsed.positional[0];
  struct stat info {};
  if (stat(path.c_str(), &info) == 0) throw std::runtime_error(path + " already exists");
  db::Database project = db::open_project(path, /*create=*/true);
  std::cout << "created " << path << " (schema version " << project.user_version() << ")\n";
  return 0;
}

static CliRegistration reg({"init", "init PROJECT", "Create an empty project file.", run_init});

}  // namespace
}  // namespace prefstudio::cli
