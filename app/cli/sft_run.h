// One SFT run recorded in a project (trainer_run.h does the bookkeeping): shared by `train sft`
// and `demo`. Runs on the calling thread; rethrows the trainer's error after marking the run
// failed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/cli/store_metrics_sink.h"
#include "core/train/sft_trainer.h"
#include "db/database.h"

namespace prefstudio::cli {

struct SftRunOutcome {
  int64_t run_id = 0;
  SftResult result;
};

SftRunOutcome run_sft_in_project(db::Database& db, const SftConfig& config,
                                 std::vector<SftExample> examples, const std::string& name,
                                 SinkEcho echo);

}  // namespace prefstudio::cli
