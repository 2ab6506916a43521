// ProcessGroupLauncher: fork and exec one copy of this program per rank, pass signals on, stop the
// group when one rank fails (see process_group_launcher.h).
#include "app/cli/process_group_launcher.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "app/cli/signal_pipe.h"
#include "core/dist/distributed_env.h"

extern char** environ;

namespace prefstudio::cli {
namespace {

using Clock = std::chrono::steady_clock;

// The signals the launcher handles itself; a rank must start with their default actions.
constexpr int kHandled[] = {SIGINT, SIGTERM, SIGCHLD};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// One rank's environment: this process's, with the variables torchrun sets for rank `rank`.
// (A WORLD_SIZE already there was refused before: a launcher inside a data-parallel run.)
std::vector<std::string> rank_environment(int rank, int nproc, int master_port) {
  static const std::string kReplaced[] = {
      "MASTER_ADDR=", "MASTER_PORT=", "WORLD_SIZE=", "RANK=", "LOCAL_RANK="};
  std::vector<std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string variable = *entry;
    const auto replaced = [&](const std::string& name) { return variable.rfind(name, 0) == 0; };
    if (std::none_of(std::begin(kReplaced), std::end(kReplaced), replaced))
      variables.push_back(variable);
  }
  variables.push_back("MASTER_ADDR=127.0.0.1");
  variables.push_back("MASTER_PORT=" + std::to_string(master_port));
  variables.push_back("WORLD_SIZE=" + std::to_string(nproc));
  variables.push_back("RANK=" + std::to_string(rank));
  variables.push_back("LOCAL_RANK=" + std::to_string(rank));
  return variables;
}

// execve's argument form; points into `words`, which must outlive it.
std::vector<char*> c_strings(std::vector<std::string>& words) {
  std::vector<char*> pointers;
  for (std::string& word : words) pointers.push_back(word.data());
  pointers.push_back(nullptr);
  return pointers;
}

bool ended_well(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string how_it_ended(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    return "was killed by signal " + std::to_string(signal_number) + " (" +
           strsignal(signal_number) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

// In the child between fork and exec: only async-signal-safe calls (the engine may already run
// threads, and one of them may have held malloc's lock at the fork). Never returns.
[[noreturn]] void become_rank(int rank, pid_t launcher, const sigset_t& mask, char** argv,
                              char** envp) {
  for (int signal_number : kHandled) signal(signal_number, SIG_DFL);
  pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  // A process group of its own: a Ctrl-C at the terminal then reaches only the launcher, which
  // passes it on once. In the terminal's group each rank would get it twice, and a trainer takes
  // a second SIGINT as "end now", without its final checkpoint.
  setpgid(0, 0);
  // Should the launcher itself be killed (SIGKILL, nothing passed on), the ranks stop as on Stop.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != launcher) _exit(1);  // it died before prctl took effect
  if (rank != 0) dup2(STDERR_FILENO, STDOUT_FILENO);
  execve("/proc/self/exe", argv, envp);
  static const char kMessage[] = "prefstudio-engine: cannot execute /proc/self/exe for a rank\n";
  [[maybe_unused]] ssize_t written = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  _exit(127);
}

}  // namespace

ProcessGroupLauncher::ProcessGroupLauncher(int nproc, std::vector<std::string> rank_argv)
    : nproc_(nproc), rank_argv_(std::move(rank_argv)), ranks_(static_cast<size_t>(nproc)) {}

void ProcessGroupLauncher::run() {
  SignalPipe signals(std::vector<int>(std::begin(kHandled), std::end(kHandled)));
  const int master_port = free_loopback_port();
  for (int rank = 0; rank < nproc_; ++rank) {
    try {
      start(rank, master_port);
    } catch (const std::exception&) {
      // The ranks already started would wait for this one until their rendezvous times out.
      signal_running(SIGKILL);
      wait_for_all();
      throw;
    }
  }
  const int first_failure = watch(signals);
  if (first_failure >= 0) throw std::runtime_error(failure_report(first_failure));
}

void ProcessGroupLauncher::start(int rank, int master_port) {
  // Everything the child needs is built here, before fork (see become_rank).
  std::vector<std::string> argv_words = rank_argv_;
  std::vector<std::string> environment = rank_environment(rank, nproc_, master_port);
  std::vector<char*> argv = c_strings(argv_words);
  std::vector<char*> envp = c_strings(environment);
  const pid_t launcher = getpid();
  // Signals blocked across fork, so that none reaches the child while it still has the
  // launcher's handlers (it would write to the launcher's signal pipe).
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  const pid_t pid = fork();
  if (pid == 0) become_rank(rank, launcher, previous, argv.data(), envp.data());
  const int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = fork_error;
  if (pid < 0) fail("cannot start rank " + std::to_string(rank));
  ranks_[rank] = Rank{pid, true, 0};
}

// Until every rank has ended: SIGINT and SIGTERM passed on to the ranks as they come; the first
// failure answered by SIGTERM to the others, and SIGKILL to those still running after the grace.
int ProcessGroupLauncher::watch(SignalPipe& signals) {
  int first_failure = -1;
  std::optional<Clock::time_point> kill_at;
  while (any_running()) {
    int timeout_ms = -1;
    if (kill_at) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*kill_at - Clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    for (int signal_number : signals.wait(timeout_ms))
      if (signal_number != SIGCHLD) signal_running(signal_number);  // SIGCHLD only wakes us
    const std::vector<int> failed = reap();
    if (first_failure < 0 && !failed.empty()) {
      first_failure = failed.front();
      signal_running(SIGTERM);
      kill_at = Clock::now() + std::chrono::seconds(kGraceSeconds);
    } else if (kill_at && Clock::now() >= *kill_at) {
      signal_running(SIGKILL);
      kill_at.reset();  // then wait for their SIGCHLD
    }
  }
  return first_failure;
}

void ProcessGroupLauncher::signal_running(int signal_number) {
  for (const Rank& rank : ranks_)
    if (rank.running) kill(rank.pid, signal_number);
}

std::vector<int> ProcessGroupLauncher::reap() {
  std::vector<int> failed;
  for (int rank = 0; rank < nproc_; ++rank) {
    Rank& process = ranks_[rank];
    if (!process.running || waitpid(process.pid, &process.status, WNOHANG) != process.pid) continue;
    process.running = false;
    if (!ended_well(process.status)) failed.push_back(rank);
  }
  std::stable_partition(failed.begin(), failed.end(),
                        [&](int rank) { return WIFSIGNALED(ranks_[rank].status); });
  return failed;
}

void ProcessGroupLauncher::wait_for_all() {
  for (Rank& rank : ranks_)
    if (rank.running && waitpid(rank.pid, &rank.status, 0) == rank.pid) rank.running = false;
}

bool ProcessGroupLauncher::any_running() const {
  return std::any_of(ranks_.begin(), ranks_.end(), [](const Rank& rank) { return rank.running; });
}

std::string ProcessGroupLauncher::failure_report(int first) const {
  std::string others;
  for (int rank = 0; rank < nproc_; ++rank)
    if (rank != first)
      others += (others.empty() ? "" : ", ") + std::string("rank ") + std::to_string(rank) + " " +
                how_it_ended(ranks_[rank].status);
  return "rank " + std::to_string(first) + " of " + std::to_string(nproc_) + " (pid " +
         std::to_string(ranks_[first].pid) + ") " + how_it_ended(ranks_[first].status) +
         "; the other ranks were stopped (" + others + ")";
}

}  // namespace prefstudio::cli
