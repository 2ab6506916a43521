// Benchmark: training tokens/s of our GPT-2 against the same model in Python PyTorch
// (bench/python/train_reference.py, run as a subprocess with the same threads, batch and sequence)
// at three sizes, with the machine's measured float32 matmul peak and each run's model-FLOPs
// utilisation; then generation tokens/s with and without the KV cache. One table, one run.
// A training step is forward + cross-entropy + backward + clip + AdamW step + zero_grad on random
// tokens; medians over at least 10 timed steps after warm-up. Both sides use the same rules: weight
// decay 0.1 on 2-D weights other than the embeddings (parameter_gets_weight_decay), gradients
// zeroed in place (LibTorch 1.13's zero_grad; Python's zero_grad(set_to_none=False)), the CLI's
// OMP_WAIT_POLICY=PASSIVE; the Python model's parameter count and decayed count must equal ours
// or the benchmark stops. Leaves out data loading and checkpointing.
// `bench_train [--threads N] [--only tiny|10m|124m] [--steps-124m N>=10] [--skip-python]`
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/train_step_timing.h"
#include "core/common/runtime.h"
#include "core/model/gpt.h"
#include "core/train/sampler.h"

namespace prefstudio {
namespace {

using namespace bench;

constexpr int64_t kMinTimedSteps = 10;  // a median of fewer steps moves with one slow step

struct Size {
  std::string name;
  GptConfig config;
  int64_t batch = 8;
  int64_t seq = 128;
  int64_t steps = 10;  // timed; at least kMinTimedSteps
  int64_t warmup = 2;  // untimed (allocator, first-touch)
};

std::vector<Size> sizes(int64_t steps_124m) {
  return {
      // The demo model: byte vocabulary, 4 x 128 (0.8M).
      {"tiny", gpt(257, 64, 128, 4, 4), 32, 64, 30, 3},
      // Byte vocabulary, 6 x 384 (10.7M), as bench_galore's 10m.
      {"10m", gpt(257, 256, 384, 6, 6), 8, 128, 10, 2},
      // GPT-2 small (124M), BPE vocabulary.
      {"124m", gpt(50257, 1024, 768, 12, 12), 4, 128, steps_124m, 2},
  };
}

// Best of several float32 matmuls, in GFLOP/s: the ceiling the MFU column divides by.
double matmul_peak_gflops() {
  const int64_t n = 2048;
  auto a = torch::randn({n, n}), b = torch::randn({n, n});
  auto c = torch::mm(a, b);  // warm-up
  double best = 0.0;
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    c = torch::mm(a, b);
    best = std::max(best, 2.0 * n * n * n / seconds_since(start) / 1e9);
  }
  return best;
}

// Model FLOPs per token (PaLM appendix B / nanoGPT): 6N for the matmuls of forward and backward
// plus 12 * L * C * T for attention scores and their weighted sum.
double flops_per_token(const Size& size, int64_t parameters) {
  return 6.0 * double(parameters) +
         12.0 * double(size.config.n_layer * size.config.n_embd * size.seq);
}

TrainTiming time_ours(const Size& size) {
  return time_train_steps(size.config, size.batch, size.seq, size.steps, size.warmup);
}

// The reference in a child process; it inherits OMP_WAIT_POLICY. Throws when the reference's model
// is not ours (parameter or decayed-parameter count) or it ran under another thread setting.
TrainTiming time_python(const Size& size, int threads, const TrainTiming& ours) {
  const auto& c = size.config;
  char command[1024];
  std::snprintf(command, sizeof(command),
                "/usr/bin/python3 %s/bench/python/train_reference.py --vocab %lld --positions %lld "
                "--embd %lld --layers %lld --heads %lld --batch %lld --seq %lld --steps %lld "
                "--warmup %lld --threads %d",
                PREFSTUDIO_SOURCE_DIR, (long long)c.vocab_size, (long long)c.n_positions,
                (long long)c.n_embd, (long long)c.n_layer, (long long)c.n_head,
                (long long)size.batch, (long long)size.seq, (long long)size.steps,
                (long long)size.warmup, threads);
  return time_python_reference(command, size.name, threads, ours);
}

// Greedy decoding of `new_tokens` after 16-token prompts, `rows` at a time; tokens/s.
double generation_tokens_per_s(const GptConfig& config, int64_t rows, int64_t new_tokens,
                               bool kv_cache) {
  torch::manual_seed(0);
  Gpt model(config);
  Sampler sampler(model, /*eos_id=*/-1);  // no end-of-text: every row runs to new_tokens
  GenerationConfig generation;
  generation.temperature = 0.0;
  generation.max_new_tokens = new_tokens;
  generation.use_kv_cache = kv_cache;
  std::vector<std::vector<int64_t>> prompts(rows, std::vector<int64_t>(16, 1));
  for (int64_t r = 0; r < rows; ++r) prompts[r][r % 16] = 2 + r;  // rows differ
  auto generator = make_sampling_generator(0);
  sampler.generate(prompts, generation, generator);  // warm-up
  auto start = Clock::now();
  sampler.generate(prompts, generation, generator);
  return double(sampler.last_token_count()) / seconds_since(start);
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  using namespace prefstudio;
  using namespace prefstudio::bench;
  reexec_with_passive_omp_wait(argv);
  int threads = 0;
  std::string only;
  int64_t steps_124m = kMinTimedSteps;
  bool skip_python = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (arg == "--only" && i + 1 < argc)
      only = argv[++i];
    else if (arg == "--steps-124m" && i + 1 < argc)
      steps_124m = std::atoll(argv[++i]);
    else if (arg == "--skip-python")
      skip_python = true;
    else {
      std::fprintf(stderr,
                   "usage: bench_train [--threads N] [--only tiny|10m|124m] "
                   "[--steps-124m N] [--skip-python]\n");
      return 2;
    }
  }
  if (steps_124m < kMinTimedSteps) {
    std::fprintf(stderr, "bench_train: --steps-124m %lld: at least %lld timed steps\n",
                 (long long)steps_124m, (long long)kMinTimedSteps);
    return 2;
  }
  threads = init_torch_threads(threads);
  const double peak = matmul_peak_gflops();
  std::printf(
      "bench_train: %d threads, OMP_WAIT_POLICY=%s, float32 matmul peak %.1f GFLOP/s (2048^3 "
      "torch::mm, best of 5)\n"
      "both sides: AdamW lr 1e-4, weight decay 0.1 on 2-D non-embedding weights, clip 1.0, grads "
      "zeroed in place; medians of the timed steps after the warm-up ones\n\n",
      threads, omp_wait_policy().c_str(), peak);
  std::printf("%-5s %9s %9s %5s %4s %11s | %12s %6s | %12s %6s | %6s\n", "size", "params",
              "decayed", "batch", "seq", "steps+warm", "ours tok/s", "MFU", "python tok/s", "MFU",
              "ratio");
  for (const Size& size : sizes(steps_124m)) {
    if (!only.empty() && size.name != only) continue;
    TrainTiming ours = time_ours(size);
    TrainTiming python;
    if (!skip_python) {
      try {
        python = time_python(size, threads, ours);
      } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_train: %s\n", error.what());
        return 1;
      }
    }
    const double flops = flops_per_token(size, ours.parameters);
    auto mfu = [&](double tokens_per_s) { return 100.0 * tokens_per_s * flops / (peak * 1e9); };
    char steps[32];
    std::snprintf(steps, sizeof(steps), "%lld+%lld", (long long)ours.timed_steps,
                  (long long)size.warmup);
    std::printf("%-5s %8.2fM %8.2fM %5lld %4lld %11s | %12.1f %5.1f%% | %12.1f %5.1f%% | %6.2f\n",
                size.name.c_str(), ours.parameters / 1e6, ours.decayed_parameters / 1e6,
                (long long)size.batch, (long long)size.seq, steps, ours.tokens_per_s,
                mfu(ours.tokens_per_s), python.tokens_per_s, mfu(python.tokens_per_s),
                skip_python ? 0.0 : ours.tokens_per_s / python.tokens_per_s);
    std::fflush(stdout);
  }
  std::printf("\ngeneration (greedy, 16-token prompts, 8 rows, 112 new tokens each):\n");
  std::printf("%-5s | %14s | %14s | %7s\n", "size", "KV cache tok/s", "no cache tok/s", "speedup");
  for (const Size& size : sizes(steps_124m)) {
    if (size.name == "124m" || (!only.empty() && size.name != only)) continue;
    GptConfig config = size.config;
    config.n_positions = std::max<int64_t>(config.n_positions, 128);
    const double cached = generation_tokens_per_s(config, 8, 112, true);
    const double uncached = generation_tokens_per_s(config, 8, 112, false);
    std::printf("%-5s | %14.1f | %14.1f | %6.2fx\n", size.name.c_str(), cached, uncached,
                cached / uncached);
    std::fflush(stdout);
  }
  return 0;
}
