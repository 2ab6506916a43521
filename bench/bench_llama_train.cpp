// Benchmark: training tokens/s of our Llama architecture against the same model in Python PyTorch
// (bench/python/llama_train_reference.py, run as a subprocess with the same shape, threads, batch
// and sequence), at SmolLM2-135M's shape with random weights, or with --small a ~4M-parameter one
// for a quick check. A training step is forward + cross-entropy + backward + clip + AdamW step +
// zero_grad on random tokens; the median of the timed steps after the warm-up ones. Both sides use
// bench_train's rules: weight decay 0.1 on 2-D weights other than the embeddings
// (parameter_gets_weight_decay), gradients zeroed in place, OMP_WAIT_POLICY=PASSIVE; the Python
// model's parameter and decayed counts must equal ours or the benchmark stops. Leaves out data
// loading, checkpointing and generation.
// `bench_llama_train [--small] [--threads N] [--steps N>=5] [--skip-python]`
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/train_step_timing.h"
#include "core/common/runtime.h"
#include "core/model/gpt.h"

namespace prefstudio {
namespace {

using namespace bench;

constexpr int64_t kMinTimedSteps = 5;  // one 135M step takes seconds; fewer is noise

struct Shape {
  std::string name;
  GptConfig config;
  int64_t batch = 4;
  int64_t seq = 128;
  int64_t steps = 10;  // timed
  int64_t warmup = 2;  // untimed (allocator, first-touch)
};

GptConfig llama(int64_t vocab, int64_t embd, int64_t intermediate, int64_t layers, int64_t heads,
                int64_t kv_heads) {
  GptConfig config;
  config.model_type = "llama";
  config.vocab_size = vocab;
  config.n_positions = 2048;
  config.n_embd = embd;
  config.intermediate_size = intermediate;
  config.n_layer = layers;
  config.n_head = heads;
  config.n_kv_head = kv_heads;
  config.rope_theta = 100000.0;
  config.layer_norm_epsilon = 1e-5;
  config.tie_word_embeddings = true;
  config.eos_token_id = config.bos_token_id = 0;
  config.tokenizer = "hf-bpe";
  return config;
}

Shape shape(bool small, int64_t steps) {
  if (small)  // 3.9M: 6 x 192, 6 heads sharing 2 key/value heads, an 8192 vocabulary
    return {"small", llama(8192, 192, 512, 6, 6, 2), 4, 128, steps > 0 ? steps : 20, 3};
  // SmolLM2-135M (HuggingFaceTB/SmolLM2-135M's config.json), random weights.
  return {"135m", llama(49152, 576, 1536, 30, 9, 3), 4, 128, steps > 0 ? steps : 10, 2};
}

TrainTiming time_ours(const Shape& shape) {
  return time_train_steps(shape.config, shape.batch, shape.seq, shape.steps, shape.warmup);
}

// The reference in a child process; it inherits OMP_WAIT_POLICY. Throws when the reference's model
// is not ours (parameter or decayed-parameter count) or it ran under another thread setting.
TrainTiming time_python(const Shape& shape, int threads, const TrainTiming& ours) {
  const auto& c = shape.config;
  char command[1024];
  std::snprintf(command, sizeof(command),
                "/usr/bin/python3 %s/bench/python/llama_train_reference.py --vocab %lld --embd "
                "%lld --intermediate %lld --layers %lld --heads %lld --kv-heads %lld --batch %lld "
                "--seq %lld --steps %lld --warmup %lld --threads %d --rope-theta %g --eps %g",
                PREFSTUDIO_SOURCE_DIR, (long long)c.vocab_size, (long long)c.n_embd,
                (long long)c.intermediate_size, (long long)c.n_layer, (long long)c.n_head,
                (long long)c.kv_heads(), (long long)shape.batch, (long long)shape.seq,
                (long long)shape.steps, (long long)shape.warmup, threads, c.rope_theta,
                c.layer_norm_epsilon);
  return time_python_reference(command, shape.name, threads, ours);
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  using namespace prefstudio;
  using namespace prefstudio::bench;
  reexec_with_passive_omp_wait(argv);
  int threads = 2;
  int64_t steps = 0;  // 0: the shape's default
  bool small = false, skip_python = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (arg == "--steps" && i + 1 < argc)
      steps = std::atoll(argv[++i]);
    else if (arg == "--small")
      small = true;
    else if (arg == "--skip-python")
      skip_python = true;
    else {
      std::fprintf(stderr,
                   "usage: bench_llama_train [--small] [--threads N] [--steps N] "
                   "[--skip-python]\n");
      return 2;
    }
  }
  if (steps != 0 && steps < kMinTimedSteps) {
    std::fprintf(stderr, "bench_llama_train: --steps %lld: at least %lld timed steps\n",
                 (long long)steps, (long long)kMinTimedSteps);
    return 2;
  }
  threads = init_torch_threads(threads);
  const Shape s = shape(small, steps);
  const auto& c = s.config;
  std::printf(
      "bench_llama_train: %s Llama (hidden %lld, intermediate %lld, %lld layers, %lld heads / "
      "%lld kv heads, vocab %lld, tied, rope_theta %g), random weights\n"
      "%d threads, OMP_WAIT_POLICY=%s; both sides: AdamW lr 1e-4, weight decay 0.1 on 2-D "
      "non-embedding weights, clip 1.0, grads zeroed in place; medians of the timed steps\n\n",
      s.name.c_str(), (long long)c.n_embd, (long long)c.intermediate_size, (long long)c.n_layer,
      (long long)c.n_head, (long long)c.kv_heads(), (long long)c.vocab_size, c.rope_theta, threads,
      omp_wait_policy().c_str());
  std::fflush(stdout);
  TrainTiming ours = time_ours(s);
  TrainTiming python;
  if (!skip_python) {
    try {
      python = time_python(s, threads, ours);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "bench_llama_train: %s\n", error.what());
      return 1;
    }
  }
  std::printf("%-5s %9s %9s %5s %4s %10s | %10s %7s | %12s %7s | %6s\n", "shape", "params",
              "decayed", "batch", "seq", "steps+warm", "ours tok/s", "loss", "python tok/s", "loss",
              "ratio");
  char steps_text[32];
  std::snprintf(steps_text, sizeof(steps_text), "%lld+%lld", (long long)ours.timed_steps,
                (long long)s.warmup);
  std::printf("%-5s %8.2fM %8.2fM %5lld %4lld %10s | %10.1f %7.3f | %12.1f %7.3f | %6.2f\n",
              s.name.c_str(), ours.parameters / 1e6, ours.decayed_parameters / 1e6,
              (long long)s.batch, (long long)s.seq, steps_text, ours.tokens_per_s, ours.loss,
              python.tokens_per_s, python.loss,
              skip_python ? 0.0 : ours.tokens_per_s / python.tokens_per_s);
  return 0;
}
