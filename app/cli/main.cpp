// prefstudio-cli: the headless studio. Links core and db only, never Qt, so it builds on a GPU server
// against pip-installed PyTorch. Dispatches to the self-registered commands (command_*.cpp).
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/cli_command.h"

namespace {

void print_help() {
  std::cout << "prefstudio-cli: Preference Studio without a window.\n\nCommands:\n";
  for (const auto& [name, command] : prefstudio::cli::cli_commands())
    std::cout << "  " << command.usage << "\n      " << command.summary << "\n";
}

// LibTorch's GNU OpenMP threads spin while they wait. On a machine whose cores are busy with
// anything else, two spinning threads slowed the demo's SFT from ~11,000 to 128 tokens/s; with the
// passive policy they sleep instead. libgomp reads the variable when it loads, before main, so the
// CLI sets it and runs itself again once. A user's own OMP_WAIT_POLICY is left alone.
void reexec_with_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then go on with the default policy
}

}  // namespace

int main(int argc, char** argv) {
  using namespace prefstudio::cli;
  reexec_with_passive_omp_wait(argv);
  std::vector<std::string> args(argv + 1, argv + argc);
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
    std::cerr << "prefstudio-cli " << found->first << ": " << e.what() << "\nusage: prefstudio-cli "
              << found->second.usage << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "prefstudio-cli " << found->first << ": error: " << e.what() << "\n";
    return 1;
  }
}
