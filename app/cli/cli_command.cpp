// The CLI's command registry, dispatch and argument parsing (see cli_command.h).
#include "app/cli/cli_command.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <iostream>

#include "app/cli/engine_commands.h"

namespace prefstudio::cli {

std::map<std::string, CliCommand>& cli_commands() {
  static std::map<std::string, CliCommand> commands;
  return commands;
}

CliRegistration::CliRegistration(CliCommand command) {
  std::string name = command.name;
  cli_commands().emplace(name, std::move(command));
}

namespace {

std::string& error_prefix() {
  static std::string prefix;
  return prefix;
}

void print_help() {
  std::cout << "prefstudio-cli: Preference Studio without a window.\n\nCommands:\n";
  for (const auto& [name, command] : cli_commands())
    std::cout << "  " << command.usage << "\n      " << command.summary << "\n";
  std::cout << "\n" << data_parallel_help();
}

}  // namespace

int run_command_line(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  // Two-word commands ("train sft", "model init") win over one-word ones.
  auto& commands = cli_commands();
  auto found = commands.end();
  size_t consumed = 0;
  if (args.size() >= 2) {
    found = commands.find(args[0] + " " + args[1]);
    consumed = 2;
  }
  if (found == commands.end()) {
    found = commands.find(args[0]);
    consumed = 1;
  }
  if (found == commands.end()) {
    std::cerr << "prefstudio-cli: unknown command '" << args[0] << "' (see --help)\n";
    return 2;
  }
  try {
    return found->second.run(std::vector<std::string>(args.begin() + consumed, args.end()));
  } catch (const CliUsageError& e) {
    std::cerr << error_prefix() << "prefstudio-cli " << found->first << ": " << e.what()
              << "\nusage: prefstudio-cli " << found->second.usage << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << error_prefix() << "prefstudio-cli " << found->first << ": error: " << e.what()
              << "\n";
    return 1;
  }
}

void set_error_prefix(std::string prefix) { error_prefix() = std::move(prefix); }

CliArgs CliArgs::parse(const std::vector<std::string>& args, const std::vector<std::string>& flags,
                       const std::vector<std::string>& known) {
  CliArgs parsed;
  auto is_flag = [&](const std::string& key) {
    return std::find(flags.begin(), flags.end(), key) != flags.end();
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() > 1 && arg[0] == '-' && !(arg.size() > 1 && std::isdigit(arg[1]))) {
      std::string key = arg.substr(arg.find_first_not_of('-'));
      std::string value;
      auto eq = key.find('=');
      if (eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      } else if (!is_flag(key)) {
        if (i + 1 >= args.size()) throw CliUsageError("option --" + key + " needs a value");
        value = args[++i];
      }
      if (!known.empty() && !is_flag(key) &&
          std::find(known.begin(), known.end(), key) == known.end())
        throw CliUsageError("unknown option --" + key);
      parsed.options[key] = value;
    } else {
      parsed.positional.push_back(arg);
    }
  }
  return parsed;
}

std::string CliArgs::get(const std::string& key, const std::string& fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

std::string CliArgs::require(const std::string& key) const {
  auto it = options.find(key);
  if (it == options.end()) throw CliUsageError("missing option --" + key);
  return it->second;
}

double CliArgs::get_double(const std::string& key, double fallback) const {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  try {
    size_t used = 0;
    double value = std::stod(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return value;
  } catch (const std::exception&) {
    throw CliUsageError("--" + key + " expects a number, got '" + it->second + "'");
  }
}

long long CliArgs::get_int(const std::string& key, long long fallback) const {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  try {
    size_t used = 0;
    long long value = std::stoll(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return value;
  } catch (const std::exception&) {
    throw CliUsageError("--" + key + " expects an integer, got '" + it->second + "'");
  }
}

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace prefstudio::cli
