// Start-up time of prefstudio-cli beside the sqlite3 shell's. Each command runs N times as its own
// process (posix_spawn, output to /dev/null), the commands taking turns so machine noise falls on
// all alike: --help, init of a fresh file, stats of a small project (200 prompts, 800 completions,
// 400 rankings), logprobs of a tiny model (the engine: LibTorch loads), and
// `sqlite3 FILE 'select count(*) from prompts'` on the same project. Prints the median and p90 wall
// time of each and its median over the shell's. A program, not a test:
// `bench_cli_startup [--runs 21] [--cli PATH] [--dir DIR]` (its files go in a new folder in DIR,
// removed at the end). --cli times another build, e.g. one from before the store-only commands
// left LibTorch behind.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_common.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using prefstudio::bench::Clock;

// Runs `argv` with stdin, stdout and stderr on /dev/null; its wall seconds. Throws if it fails.
double run_timed(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  for (int fd : {0, 1, 2})
    posix_spawn_file_actions_addopen(&quiet, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  // posix_spawn, not fork: no copy of this process's page tables in the time measured.
  const auto start = Clock::now();
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, args[0], &quiet, nullptr, args.data(), environ);
  int status = 0;
  if (error == 0) waitpid(pid, &status, 0);
  const double seconds = prefstudio::bench::seconds_since(start);
  posix_spawn_file_actions_destroy(&quiet);
  std::string command;
  for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
  if (error != 0) throw std::runtime_error("cannot start " + command + ": " + std::strerror(error));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(command + " failed (status " + std::to_string(status) + ")");
  return seconds;
}

// 200 prompts of 4 completions; two labelers rank every prompt.
void write_rankings(const fs::path& path) {
  std::ofstream out(path);
  for (int prompt = 0; prompt < 200; ++prompt)
    for (const char* labeler : {"ana", "ben"}) {
      out << "{\"prompt\": \"Question " << prompt << ": sort the letters dcba.\", \"completions\": "
          << "[\"abcd\", \"abdc\", \"dcba\", \"bacd " << prompt
          << "\"], \"ranking\": " << (labeler[0] == 'a' ? "[0, 1, 3, 2]" : "[0, 3, 1, 2]")
          << ", \"labeler\": \"" << labeler << "\"}\n";
    }
}

double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::ceil(fraction * values.size()));
  return values[rank == 0 ? 0 : rank - 1];
}

struct Case {
  std::string label;
  std::vector<std::string> argv;  // "{fresh}" is replaced by a new file name each run
  std::vector<double> seconds;
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 21;
  std::string cli = PREFSTUDIO_CLI;
  fs::path parent = fs::temp_directory_path();  // --dir: where the bench's own folder goes
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value && key == "--runs") runs = std::max(1, std::atoi(value));
    if (value && key == "--cli") cli = value;
    if (value && key == "--dir") parent = value;
    if (!value || (key != "--runs" && key != "--cli" && key != "--dir")) {
      std::fprintf(stderr, "usage: bench_cli_startup [--runs 21] [--cli PATH] [--dir DIR]\n");
      return 2;
    }
  }
  // As a user starts it: a build that sets OMP_WAIT_POLICY by running itself again must do so here.
  unsetenv("OMP_WAIT_POLICY");
  const fs::path dir = parent / ("prefstudio-bench-cli-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string project = (dir / "project.sqlite").string();
  const std::string model = (dir / "model").string();
  try {
    write_rankings(dir / "rankings.jsonl");
    std::ofstream(dir / "tiny.json")
        << R"({"model_type": "gpt2", "vocab_size": 257, "n_positions": 64, "n_embd": 32,)"
        << R"( "n_layer": 2, "n_head": 4, "tokenizer": "byte", "seed": 7})"
        << "\n";
    run_timed({cli, "init", project});
    run_timed({cli, "import", project, (dir / "rankings.jsonl").string(), "--quiet"});
    run_timed({cli, "model", "init", "--config", (dir / "tiny.json").string(), "--out", model});

    std::vector<Case> cases = {
        {"prefstudio-cli --help", {cli, "--help"}, {}},
        {"prefstudio-cli init FRESH", {cli, "init", "{fresh}"}, {}},
        {"prefstudio-cli stats FILE", {cli, "stats", project}, {}},
        {"prefstudio-cli logprobs (engine)",
         {cli, "logprobs", "--model", model, "--prompt", "Sort: cba", "--completion", "abc"},
         {}},
        {"sqlite3 FILE 'select count(*) from prompts'",
         {"sqlite3", project, "select count(*) from prompts"},
         {}},
    };
    for (int run = 0; run < runs; ++run)
      for (Case& c : cases) {
        std::vector<std::string> command = c.argv;
        for (std::string& arg : command)
          if (arg == "{fresh}") arg = (dir / ("fresh-" + std::to_string(run) + ".sqlite")).string();
        c.seconds.push_back(run_timed(command));
      }

    std::printf(
        "prefstudio-cli: %s\n%d runs each, taking turns; wall time of the whole process\n\n",
        cli.c_str(), runs);
    std::printf("%-46s %10s %10s %12s\n", "command", "median ms", "p90 ms", "/ sqlite3");
    const double shell = prefstudio::bench::median(cases.back().seconds);
    for (const Case& c : cases) {
      const double median = prefstudio::bench::median(c.seconds);
      std::printf("%-46s %10.1f %10.1f %11.1fx\n", c.label.c_str(), 1e3 * median,
                  1e3 * percentile(c.seconds, 0.9), median / shell);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cli_startup: %s\n", e.what());
    fs::remove_all(dir);
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
