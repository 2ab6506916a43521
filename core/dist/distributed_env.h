// Where a data-parallel process finds its peers: the variables torchrun, Slurm and Kubernetes
// launchers set (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK), so their launch lines
// work unchanged. Torch-free: the CLI reads it before it loads the engine.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace prefstudio {

struct DistributedEnv {
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  int world_size = 1;
  int rank = 0;
  int local_rank = 0;
};

// Reads the variables through `lookup` (std::getenv in the program, a map in tests). None when
// WORLD_SIZE is unset or 1: a single process. Otherwise every variable but LOCAL_RANK (default:
// RANK) must be set and valid; a ConfigError names the variable and its value.
std::optional<DistributedEnv> distributed_env_from(
    const std::function<const char*(const char*)>& lookup);

// A port on 127.0.0.1 for rank 0's rendezvous store when all ranks run on this machine (--nproc,
// tests, benchmarks): the kernel picks a free one for a socket bound to port 0, closed again at
// once for rank 0 to bind. Another program could take it in between; torchrun's standalone mode
// accepts the same small race. Throws CoreError when no socket can be had.
int free_loopback_port();

}  // namespace prefstudio
