// The CLI's commands. Each lives in its own command_<name>.cpp and registers itself with a static
// CliRegistration, so adding a command touches no other file (an engine command also names itself
// in engine_commands.cpp). A command returns the exit code; errors are thrown (CoreError, DbError,
// CliUsageError) and printed by run_command_line, the same in prefstudio-cli and prefstudio-engine.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace prefstudio::cli {

class CliUsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CliCommand {
  std::string name;     // e.g. "import", or "train sft" for a two-word command
  std::string usage;    // one line: "import PROJECT FILE"
  std::string summary;  // one line for `prefstudio-cli --help`
  std::function<int(const std::vector<std::string>& args)> run;  // args after the name
};

std::map<std::string, CliCommand>& cli_commands();

struct CliRegistration {
  explicit CliRegistration(CliCommand command);
};

// The whole command line after the program's name: --help, or the registered command it names
// (two-word names first) run with the rest. Prints errors as "prefstudio-cli NAME: error: ..."
// (a CliUsageError with the usage line) and returns the exit code: 0, 1 on an error, 2 on a usage
// error or an unknown command.
int run_command_line(const std::vector<std::string>& args);

// Put before every error line run_command_line prints, e.g. "rank 1: " in a data-parallel run, so
// that the messages of several processes sharing a terminal say whose they are. Empty by default.
void set_error_prefix(std::string prefix);

// Parsed "--key value" / "--flag" / positional arguments.
struct CliArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--top-p 0.9" -> {"top-p", "0.9"}

  // `flags` are options that take no value. Unknown options are CliUsageError only if `known` is
  // non-empty and does not list them.
  static CliArgs parse(const std::vector<std::string>& args, const std::vector<std::string>& flags,
                       const std::vector<std::string>& known = {});
  bool has(const std::string& key) const { return options.count(key) > 0; }
  std::string get(const std::string& key, const std::string& fallback) const;
  std::string require(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  long long get_int(const std::string& key, long long fallback) const;
};

// A metric for a JSON summary: the number, or null where it is NaN or infinite (no such data).
nlohmann::json number_or_null(double value);

}  // namespace prefstudio::cli
