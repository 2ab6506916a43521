// How prefstudio-cli hands a command to prefstudio-engine, the program that holds every command
// that loads LibTorch. The front itself links only the store (db), so --help, init, import, stats
// and the other store-only commands start in milliseconds; LibTorch's 287 shared libraries load
// only in the engine. The engine replaces this process (exec: same pid, so the GUI's stop signal
// reaches the run, and the same stdout, stderr and exit code).
#pragma once

#include <string>

namespace prefstudio::cli {

// Registers every command of engine_commands() with a run that execs the engine with the whole
// command line. Stops the program naming the command if a store-only command has the same name.
void register_engine_commands();

// $PREFSTUDIO_ENGINE if set (tests, a build elsewhere), else prefstudio-engine beside this program
// (the build tree), else ../lib/prefstudio/prefstudio-engine from it (the installed layout; see
// app/CMakeLists.txt). Found from /proc/self/exe, never from the working directory. Throws
// std::runtime_error naming both places when neither holds an executable.
std::string engine_path();

}  // namespace prefstudio::cli
