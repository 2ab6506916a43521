// This process's place in a training run: the only process, or one rank of a data-parallel group
// that the torchrun variables describe (core/dist/distributed_env.h). It holds the one rule every
// `train KIND` command follows: rank 0 records the run in the project (runs row, metrics, events,
// heartbeat, the summary line on stdout); the other ranks only read the project, for the same data,
// and write nothing (trainer_run.h applies it). Leaves out: starting the ranks
// (process_group_launcher.h, torchrun).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/dist/data_parallel_group.h"
#include "core/dist/distributed_env.h"
#include "db/database.h"

namespace prefstudio::cli {

class TrainingProcess {
 public:
  // e.g. 300 s: long enough for rank 0's slowest step (an evaluation that samples, a checkpoint),
  // short enough that a rank whose peer hangs ends within minutes. --dist-timeout changes it.
  static constexpr double kDefaultTimeoutSeconds = 300.0;

  // The only process of its run (the demo's stages, WORLD_SIZE unset or 1).
  TrainingProcess() = default;
  // One rank of `env`'s group when it is set, else the only process; `timeout_seconds` bounds the
  // rendezvous and every collective.
  TrainingProcess(std::optional<DistributedEnv> env, double timeout_seconds);

  int rank() const { return env_ ? env_->rank : 0; }
  int world_size() const { return env_ ? env_->world_size : 1; }
  bool records_run() const { return rank() == 0; }

  // The project as this process may use it. Rank 0 (and a single process) opens it as every
  // command does, migrating an older schema. Another rank joins the group first, so that rank 0
  // has opened (and migrated) a file they share before it reads it, then opens it read-only
  // (SQLite's query_only: any write fails): every rank reads its data from the project, on
  // several hosts from each host's copy, which must then already have this program's schema.
  // Throws DbError naming the file, CoreError when the group does not form (see group()).
  db::Database open_project(const std::string& path);

  // The data-parallel group, joined on the first call (every rank must call it at about the same
  // time; rank 0 hosts the rendezvous), or null for a single process. Throws CoreError naming this
  // rank when the group does not form within the timeout.
  std::shared_ptr<DataParallelGroup> group();

 private:
  std::optional<DistributedEnv> env_;
  double timeout_seconds_ = kDefaultTimeoutSeconds;
  std::shared_ptr<DataParallelGroup> group_;
};

}  // namespace prefstudio::cli
