// prefstudio-engine: the commands of prefstudio-cli that load LibTorch (engine_commands.h), with
// the same dispatch and error messages. prefstudio-cli execs it with the whole command line after
// setting OMP_WAIT_POLICY (engine_launcher.cpp says why). Started by hand without the variable, it
// sets it and runs itself once more, since libgomp has read it before main.
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "app/cli/cli_command.h"

namespace {

void reexec_with_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then go on with the default policy
}

}  // namespace

int main(int argc, char** argv) {
  reexec_with_passive_omp_wait(argv);
  return prefstudio::cli::run_command_line(std::vector<std::string>(argv + 1, argv + argc));
}
