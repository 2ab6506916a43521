// Two ranks of a data-parallel group in one test: this process is rank 0, a forked child rank 1,
// talking over loopback on a free port.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <iostream>

#include "core/dist/distributed_env.h"

namespace prefstudio {

inline DistributedEnv loopback(int port, int rank, int world_size = 2) {
  DistributedEnv env;
  env.master_port = port;
  env.world_size = world_size;
  env.rank = rank;
  env.local_rank = rank;
  return env;
}

// Runs `rank_one` in a forked child and returns its pid; the child exits 0 when it returned true,
// 1 when it returned false or threw (the message on stderr).
inline pid_t fork_rank_one(const std::function<bool()>& rank_one) {
  pid_t pid = fork();
  if (pid == 0) {
    bool ok = false;
    try {
      ok = rank_one();
    } catch (const std::exception& e) {
      std::cerr << "rank 1: " << e.what() << "\n";
    }
    _exit(ok ? 0 : 1);
  }
  return pid;
}

inline int exit_status_of(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace prefstudio
