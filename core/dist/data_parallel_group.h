// A process's place in a data-parallel run, as the trainers' torch-free public APIs take it: join
// the group once (every rank at about the same time), hand it to a trainer, and that trainer's
// loop shards each global batch over the ranks and sums the gradients (training_loop.h).
#pragma once

#include <memory>

#include "core/dist/distributed_env.h"

namespace prefstudio {

class Collective;

class DataParallelGroup {
 public:
  // Joins over c10d Gloo (collective.h). A collective that takes longer than `timeout_seconds`
  // (a rank died or hangs) ends the run with an error naming this rank. Throws CoreError.
  static std::shared_ptr<DataParallelGroup> join(const DistributedEnv& env,
                                                 double timeout_seconds = 300.0);
  explicit DataParallelGroup(std::unique_ptr<Collective> collective);
  ~DataParallelGroup();
  DataParallelGroup(const DataParallelGroup&) = delete;
  DataParallelGroup& operator=(const DataParallelGroup&) = delete;

  int rank() const;
  int world_size() const;
  Collective& collective() const;  // core-internal (torch)

 private:
  std::unique_ptr<Collective> collective_;
};

}  // namespace prefstudio
