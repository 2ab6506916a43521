// The door every `train KIND` command shares for data-parallel training, so that no command holds
// a copy of it: `--nproc N` starts N ranks on this machine (process_group_launcher.h); otherwise
// the torchrun variables (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK) say whether this
// process is one rank of a group; `--dist-timeout SECONDS` bounds the rendezvous and every
// collective. The command's own body sees neither option: it gets the rest of its arguments and a
// TrainingProcess, and records its run through run_in_project (trainer_run.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/cli/cli_command.h"
#include "app/cli/training_process.h"

namespace prefstudio::cli {

using TrainCommandBody =
    std::function<int(const std::vector<std::string>& args, TrainingProcess& process)>;

// The engine's registration of the table's command `name` (engine_commands.cpp), e.g.
// "train sft". Refuses, naming the option or the variable: --nproc below 1 or not an integer,
// --nproc with WORLD_SIZE already set (a launcher inside a data-parallel run), --dist-timeout not
// a positive number, and the torchrun variables when one is missing or out of range.
CliCommand train_command(const std::string& name, TrainCommandBody body);

}  // namespace prefstudio::cli
