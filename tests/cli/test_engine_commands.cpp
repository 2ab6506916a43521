// The engine's command table (app/cli/engine_commands.cpp), from which prefstudio-cli lists and
// forwards the commands that load LibTorch, against what prefstudio-engine really registers: the
// same names, and each registration carries the table's usage and summary. Links the engine's
// command objects, exactly those of prefstudio-engine.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"

namespace prefstudio::cli {
namespace {

TEST(EngineCommands, RegisteredCommandsAreTheTable) {
  std::set<std::string> table, registered;
  for (const EngineCommand& command : engine_commands()) {
    EXPECT_TRUE(table.insert(command.name).second) << command.name << " is twice in the table";
  }
  for (const auto& [name, command] : cli_commands()) registered.insert(name);
  EXPECT_EQ(registered, table);
  for (const EngineCommand& command : engine_commands()) {
    auto found = cli_commands().find(command.name);
    if (found == cli_commands().end()) continue;  // reported above
    EXPECT_EQ(found->second.usage, command.usage) << command.name;
    EXPECT_EQ(found->second.summary, command.summary) << command.name;
    EXPECT_EQ(std::string(command.usage).rfind(command.name, 0), 0u)
        << command.name << ": the usage line starts with the command's name";
  }
}

TEST(EngineCommands, TheStoreOnlyCommandsAreNotInTheEngine) {
  for (const char* name : {"init", "import", "export", "stats", "split", "merge"})
    EXPECT_EQ(cli_commands().count(name), 0u) << name;
}

}  // namespace
}  // namespace prefstudio::cli
