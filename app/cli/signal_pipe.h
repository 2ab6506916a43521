// Signals turned into bytes on a pipe (the self-pipe trick), so that a loop that waits for child
// processes can also wait for SIGINT, SIGTERM and SIGCHLD with one poll(), whichever thread the
// kernel delivers them to, and never miss one that arrives between two checks. Used by
// ProcessGroupLauncher. Leaves out: more than one SignalPipe at a time (the handlers are global).
#pragma once

#include <csignal>
#include <vector>

namespace prefstudio::cli {

class SignalPipe {
 public:
  // Installs a handler for each of `signals` that writes the signal's number to the pipe; the
  // previous handlers come back on destruction. Both ends are close-on-exec, and exec resets the
  // handlers, so a child started with fork and exec inherits neither. Throws std::runtime_error
  // when the pipe or a handler cannot be set up.
  explicit SignalPipe(std::vector<int> signals);
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  // The signals that arrived, oldest first, after waiting at most `timeout_ms` (-1: until one
  // arrives) for the first. Empty when the time ran out.
  std::vector<int> wait(int timeout_ms);

 private:
  void restore();

  std::vector<int> signals_;
  std::vector<struct sigaction> previous_;
  int read_fd_ = -1;
  int write_fd_ = -1;
};

}  // namespace prefstudio::cli
