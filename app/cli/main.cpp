// prefstudio-cli: the headless studio. The commands that need only the project store (init, import,
// export, stats, split, merge) run here, linked against db alone, so they start in milliseconds;
// every command that trains, samples or scores is handed to prefstudio-engine, which links core and
// LibTorch (engine_launcher.h). Neither links Qt, so both build on a GPU server against
// pip-installed PyTorch.
#include <string>
#include <vector>

#include "app/cli/cli_command.h"
#include "app/cli/engine_launcher.h"

int main(int argc, char** argv) {
  prefstudio::cli::register_engine_commands();
  return prefstudio::cli::run_command_line(std::vector<std::string>(argv + 1, argv + argc));
}
