// One SFT run recorded in a project (trainer_run.h does the bookkeeping, and on a data-parallel
// run's ranks other than 0 records nothing): shared by `train sft` and `demo`. Runs on the calling
// thread; rethrows the trainer's error after marking the run failed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/store_metrics_sink.h"
#include "app/cli/training_process.h"
#include "core/train/sft_trainer.h"
#include "db/database.h"

namespace prefstudio::cli {

struct SftRunOutcome {
  std::optional<int64_t> run_id;  // empty on the ranks other than 0
  SftResult result;
};

SftRunOutcome run_sft_in_project(TrainingProcess& process, db::Database& db,
                                 const SftConfig& config, std::vector<SftExample> examples,
                                 const std::string& name, SinkEcho echo);

}  // namespace prefstudio::cli
