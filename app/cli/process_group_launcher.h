// `prefstudio-cli train KIND ... --nproc N`: a data-parallel run on one machine without torchrun.
// This process starts N copies of itself, one per rank, each with the variables torchrun would
// set (MASTER_ADDR 127.0.0.1, a free MASTER_PORT, WORLD_SIZE N, RANK and LOCAL_RANK i), and
// watches them until all have ended:
// - rank 0's stdout is this process's stdout; the other ranks' goes to stderr (they print nothing
//   but errors), so a reader of stdout sees one run's JSON lines;
// - SIGINT and SIGTERM (the GUI's Stop) are passed on to every rank once: each trainer stops
//   after the same step (the loop's vote) and rank 0 writes the final checkpoint;
// - when a rank exits non-zero or dies by a signal, the others get SIGTERM, then SIGKILL after a
//   grace period, rather than waiting for a dead peer until their collective times out.
// Leaves out: several machines (torchrun, Slurm or Kubernetes start the ranks there; they read the
// same variables), restarting a failed rank.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace prefstudio::cli {

class SignalPipe;

class ProcessGroupLauncher {
 public:
  // How long the other ranks get after SIGTERM once one rank failed, e.g. to finish writing a
  // checkpoint, before SIGKILL.
  static constexpr int kGraceSeconds = 10;

  // `rank_argv`: the command line every rank runs, program name first, without --nproc. The
  // program is this one (/proc/self/exe).
  ProcessGroupLauncher(int nproc, std::vector<std::string> rank_argv);

  // Starts ranks 0..nproc-1 and returns once every rank has ended with exit code 0 (also after a
  // stop signal was passed on). Otherwise throws std::runtime_error, once every rank has ended,
  // naming the rank that failed first and how (its exit code or signal) and how the others ended;
  // or naming the rank that could not be started.
  void run();

 private:
  struct Rank {
    pid_t pid = -1;
    bool running = false;
    int status = 0;  // waitpid's, once ended
  };

  void start(int rank, int master_port);
  // Returns the rank that failed first, -1 when none did.
  int watch(SignalPipe& signals);
  void signal_running(int signal_number);
  // Collects the ranks that have ended since the last call; returns those that failed, the ones
  // a signal killed first (the likely cause: their peers then fail in a collective).
  std::vector<int> reap();
  void wait_for_all();
  bool any_running() const;
  std::string failure_report(int first) const;

  int nproc_;
  std::vector<std::string> rank_argv_;
  std::vector<Rank> ranks_;
};

}  // namespace prefstudio::cli
