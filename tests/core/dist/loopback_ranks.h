// Two ranks of a data-parallel group in one test: this process is rank 0, a forked child rank 1,
// talking over loopback on a free port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <iostream>

#include "core/dist/distributed_env.h"

namespace prefstudio {

// A port the kernel just handed out and we let go: free unless another program takes it at once.
inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

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
