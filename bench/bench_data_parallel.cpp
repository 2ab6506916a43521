// Benchmark: data-parallel SFT on this machine over loopback Gloo. The same config (global batch,
// steps, seed: the same result) runs as one process with T threads and as N processes with T / N
// threads each; the table gives training tokens/s of each, their ratio, and the share of the N
// processes' steps spent in the gradient all-reduce and the step vote (waiting for the slowest
// rank included), as the loop logs it (dist/allreduce_share): summed in one bucket after backward,
// and in buckets of --bucket-mb MiB while backward runs. Medians over the log windows after the
// first (warm-up), then over the repeats. Every process is a fresh exec of this program.
// `bench_data_parallel [--threads T] [--nproc N] [--size small|10m] [--steps S] [--repeats R]
//                      [--bucket-mb M]`
// (internal: `--worker DIR RANK WORLD PORT THREADS SIZE STEPS`)
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/dist/data_parallel_group.h"
#include "core/model/model_init.h"
#include "core/train/sft_trainer.h"

namespace prefstudio {
namespace {

namespace fs = std::filesystem;
using namespace bench;

struct Size {
  std::string name;
  nlohmann::json model;
  int64_t batch;
};

Size size_named(const std::string& name) {
  if (name == "small")  // 4 x 256, byte vocabulary: 3.2M parameters
    return {name, {{"tokenizer", "byte"}, {"n_embd", 256}, {"n_layer", 4}, {"n_head", 4},
                   {"n_positions", 128}, {"seed", 1}}, 16};
  if (name == "10m")  // 6 x 384, byte vocabulary: 10.7M parameters
    return {name, {{"tokenizer", "byte"}, {"n_embd", 384}, {"n_layer", 6}, {"n_head", 6},
                   {"n_positions", 128}, {"seed", 1}}, 16};
  throw std::runtime_error("--size: '" + name + "' is not small or 10m");
}

// Reversal demonstrations of 50 random letters: rows of about 110 byte tokens.
std::vector<SftExample> examples() {
  std::mt19937 rng(7);
  std::vector<SftExample> out;
  for (int i = 0; i < 400; ++i) {
    std::string letters;
    for (int c = 0; c < 50; ++c) letters.push_back(static_cast<char>('a' + rng() % 26));
    out.push_back({"Reverse: " + letters + "\n", std::string(letters.rbegin(), letters.rend())});
  }
  return out;
}

struct WindowSink : MetricsSink {
  std::vector<double> tokens_per_s, allreduce_share;
  void on_metrics(const MetricRecord& record) override {
    for (const auto& [name, value] : record.values) {
      if (name == "tokens_per_s") tokens_per_s.push_back(value);
      if (name == "dist/allreduce_share") allreduce_share.push_back(value);
    }
  }
};

// The median of the windows after the first.
double after_warmup(const std::vector<double>& windows) {
  if (windows.size() < 2) return windows.empty() ? 0.0 : windows.front();
  return median(std::vector<double>(windows.begin() + 1, windows.end()));
}

// One rank of one run; rank 0 prints its figures as a JSON line.
int worker(const std::vector<std::string>& args) {
  const fs::path dir = args.at(0);
  const int rank = std::stoi(args.at(1)), world = std::stoi(args.at(2));
  const int port = std::stoi(args.at(3)), threads = std::stoi(args.at(4));
  const Size size = size_named(args.at(5));
  SftConfig config;
  config.model_dir = (dir / "init").string();
  config.output_dir = (dir / ("run-" + std::to_string(world) + "-" + std::to_string(getpid()))).string();
  config.steps = std::stoi(args.at(6));
  config.batch_size = size.batch;
  config.max_length = 128;
  config.log_every = 2;
  config.eval_every = 0;
  config.validation_fraction = 0.0;
  config.threads = threads;
  SftTrainer trainer(config, examples());
  if (world > 1) {
    DistributedEnv env;
    env.master_port = port;
    env.world_size = world;
    env.rank = env.local_rank = rank;
    trainer.set_data_parallel(DataParallelGroup::join(env, 60));
  }
  WindowSink sink;
  trainer.run(sink);
  fs::remove_all(config.output_dir);
  if (rank == 0)
    std::cout << nlohmann::json{{"tokens_per_s", after_warmup(sink.tokens_per_s)},
                                {"allreduce_share", after_warmup(sink.allreduce_share)}}
                     .dump()
              << std::endl;
  return 0;
}

// Runs one configuration: ranks 1.. as background processes, rank 0 read as JSON.
nlohmann::json run(const fs::path& dir, int world, int threads, const std::string& size,
                   int steps, const std::string& bucket_mb = "0") {
  const int port = free_loopback_port();
  // (Built before forking: in the child /proc/self is the child.)
  auto command = [&](int rank) {
    return "PREFSTUDIO_DP_BUCKET_MB=" + bucket_mb + " " + fs::read_symlink("/proc/self/exe").string() +
           " --worker " + dir.string() + " " +
           std::to_string(rank) + " " + std::to_string(world) + " " + std::to_string(port) + " " +
           std::to_string(threads) + " " + size + " " + std::to_string(steps);
  };
  std::vector<pid_t> others;
  for (int rank = 1; rank < world; ++rank) {
    const std::string line = command(rank) + " > /dev/null";
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", line.c_str(), nullptr);
      _exit(127);
    }
    others.push_back(pid);
  }
  nlohmann::json figures = run_json(command(0));
  for (pid_t pid : others) waitpid(pid, nullptr, 0);
  return figures;
}

int driver(int argc, char** argv) {
  int threads = 2, nproc = 2, steps = 10, repeats = 3;
  std::string size = "small", bucket_mb = "4";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--nproc") nproc = std::stoi(value);
    else if (flag == "--steps") steps = std::stoi(value);
    else if (flag == "--repeats") repeats = std::stoi(value);
    else if (flag == "--size") size = value;
    else if (flag == "--bucket-mb") bucket_mb = value;
    else throw std::runtime_error("unknown option " + flag);
  }
  if (!gloo_available()) {
    std::printf("this build has no c10d Gloo: nothing to measure\n");
    return 0;
  }
  if (threads % nproc != 0) throw std::runtime_error("--threads must be a multiple of --nproc");
  const fs::path dir = fs::temp_directory_path() / ("bench_data_parallel_" + std::to_string(getpid()));
  fs::remove_all(dir);
  init_model_checkpoint(size_named(size).model, (dir / "init").string());

  std::printf("data-parallel SFT, model %s, global batch %lld rows of ~110 tokens, %d steps, "
              "loopback Gloo, OMP_WAIT_POLICY=%s\n",
              size.c_str(), static_cast<long long>(size_named(size).batch), steps,
              omp_wait_policy().c_str());
  // Per repeat: one process; N processes summing after backward (one bucket); N processes
  // summing buckets of bucket_mb MiB while backward runs.
  std::vector<double> one, after, during, after_share, during_share;
  for (int r = 0; r < repeats; ++r) {
    const auto single = run(dir, 1, threads, size, steps);
    const auto plain = run(dir, nproc, threads / nproc, size, steps, "0");
    const auto overlapped = run(dir, nproc, threads / nproc, size, steps, bucket_mb);
    one.push_back(single.at("tokens_per_s"));
    after.push_back(plain.at("tokens_per_s"));
    after_share.push_back(plain.at("allreduce_share"));
    during.push_back(overlapped.at("tokens_per_s"));
    during_share.push_back(overlapped.at("allreduce_share"));
    std::printf("  repeat %d: %.0f | %.0f (%.1f%%) | %.0f (%.1f%%) tokens/s\n", r + 1, one.back(),
                after.back(), 100 * after_share.back(), during.back(), 100 * during_share.back());
  }
  fs::remove_all(dir);
  std::printf("\n%-44s %12s %8s %16s\n", "configuration", "tokens/s", "ratio", "all-reduce share");
  std::printf("%-44s %12.0f %8.2f %16s\n", ("1 process x " + std::to_string(threads) + " threads").c_str(),
              median(one), 1.0, "-");
  const std::string group = std::to_string(nproc) + " processes x " +
                            std::to_string(threads / nproc) + " thread, ";
  std::printf("%-44s %12.0f %8.2f %15.1f%%\n", (group + "after backward").c_str(), median(after),
              median(after) / median(one), 100 * median(after_share));
  std::printf("%-44s %12.0f %8.2f %15.1f%%\n",
              (group + bucket_mb + " MiB buckets").c_str(), median(during),
              median(during) / median(one), 100 * median(during_share));
  std::printf("(medians of %d repeats; ratio = %d processes / 1 process)\n", repeats, nproc);
  return 0;
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  prefstudio::bench::reexec_with_passive_omp_wait(argv);
  try {
    if (argc > 1 && std::string(argv[1]) == "--worker")
      return prefstudio::worker(std::vector<std::string>(argv + 2, argv + argc));
    return prefstudio::driver(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_data_parallel: %s\n", e.what());
    return 1;
  }
}
