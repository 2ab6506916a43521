// SignalPipe (see signal_pipe.h).
#include "app/cli/signal_pipe.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace prefstudio::cli {
namespace {

// The write end the handler uses: a signal handler can reach only globals.
std::atomic<int> g_write_fd{-1};

extern "C" void write_signal_number(int signal_number) {
  const int saved_errno = errno;  // the interrupted code may be about to read errno
  const unsigned char byte = static_cast<unsigned char>(signal_number);
  // Non-blocking: should the pipe ever be full, the byte is dropped rather than the process
  // hanging inside a handler; the waiting loop checks its children on every wake-up anyway.
  [[maybe_unused]] ssize_t written = write(g_write_fd.load(), &byte, 1);
  errno = saved_errno;
}

[[noreturn]] void fail(const std::string& what, int error = errno) {
  throw std::runtime_error(what + ": " + std::strerror(error));
}

}  // namespace

SignalPipe::SignalPipe(std::vector<int> signals) : signals_(std::move(signals)) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fail("cannot create a pipe for signals");
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  g_write_fd.store(write_fd_);
  struct sigaction action {};
  action.sa_handler = write_signal_number;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // the waiting loop wakes on the pipe, not on EINTR
  for (int signal_number : signals_) {
    struct sigaction previous {};
    if (sigaction(signal_number, &action, &previous) != 0) {
      const int error = errno;
      restore();  // the destructor does not run after a throwing constructor
      fail("cannot handle signal " + std::to_string(signal_number), error);
    }
    previous_.push_back(previous);
  }
}

SignalPipe::~SignalPipe() { restore(); }

void SignalPipe::restore() {
  for (size_t i = 0; i < previous_.size(); ++i) sigaction(signals_[i], &previous_[i], nullptr);
  previous_.clear();
  g_write_fd.store(-1);
  close(read_fd_);
  close(write_fd_);
  read_fd_ = write_fd_ = -1;
}

std::vector<int> SignalPipe::wait(int timeout_ms) {
  pollfd readable{read_fd_, POLLIN, 0};
  const int ready = poll(&readable, 1, timeout_ms);
  if (ready < 0 && errno != EINTR) fail("cannot wait for signals");
  std::vector<int> arrived;
  unsigned char bytes[64];
  for (ssize_t count; (count = read(read_fd_, bytes, sizeof bytes)) > 0;)
    arrived.insert(arrived.end(), bytes, bytes + count);
  return arrived;
}

}  // namespace prefstudio::cli
