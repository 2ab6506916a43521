// How a trainer's run() takes its place in a data-parallel run, or runs alone when it has no group:
// the collective its loop uses, and the checkpoint to resume from as this rank can read it (rank 0
// reads it and sends its files to the others: core/dist/shared_checkpoint.h). Internal header of
// core (torch).
#pragma once

#include <memory>
#include <string>

#include "core/dist/collective.h"
#include "core/dist/data_parallel_group.h"
#include "core/dist/shared_checkpoint.h"

namespace prefstudio {

class TrainerRank {
 public:
  // Every rank constructs it at the start of run() with the same `resume_from` ("": not resuming).
  TrainerRank(const std::shared_ptr<DataParallelGroup>& group, const std::string& resume_from)
      : one_process_(group ? nullptr : make_single_process_collective()),
        collective_(group ? group->collective() : *one_process_),
        resume_(resume_from, collective_) {}

  Collective& collective() const { return collective_; }

  // `config` with its resume_from pointing at this rank's copy of the checkpoint.
  template <typename Config>
  Config with_local_resume(Config config) const {
    config.resume_from = resume_.path();
    return config;
  }

 private:
  std::unique_ptr<Collective> one_process_;
  Collective& collective_;
  SharedCheckpoint resume_;
};

}  // namespace prefstudio
