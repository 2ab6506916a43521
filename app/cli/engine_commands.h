// The commands that load LibTorch (train, sample, score, ...), named once for both programs:
// prefstudio-cli lists them in --help and hands them to prefstudio-engine without loading it
// (engine_launcher.h); the engine's command_*.cpp register under these names and take their usage
// and summary from here, so the two cannot drift. Store-only commands are not in this table.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/cli/cli_command.h"

namespace prefstudio::cli {

struct EngineCommand {
  const char* name;     // e.g. "logprobs", or "train sft"
  const char* usage;    // one line, as CliCommand::usage
  const char* summary;  // one line, as CliCommand::summary
};

// Every engine command; --help sorts them by name among the store-only ones.
const std::vector<EngineCommand>& engine_commands();

// What --help says about running a train command on several processes (its options and the
// torchrun variables), after the list of commands.
const char* data_parallel_help();

// The engine's registration of the table's entry `name`, run by `run`. A name the table lacks is a
// build mistake: the program stops at start-up naming it.
CliCommand engine_command(const std::string& name,
                          std::function<int(const std::vector<std::string>& args)> run);

}  // namespace prefstudio::cli
