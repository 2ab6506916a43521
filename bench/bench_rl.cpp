// Benchmark: online-RL episodes/s on the 10m model (byte vocabulary, 10.8M parameters), our
// RlTrainer against the same steps in Python PyTorch (bench/python/rl_reference.py), one run.
// A rollout = 8 demo prompts x K = 4 samples (32 episodes) of up to 64 new tokens, then
// ppo_epochs 1 pass of minibatches of 8: 4 updates. Each rollout is timed in three phases:
//   rollout  sampling with the KV cache at temperature 1 (our time/rollout metric);
//   scoring  the policy's and the reference's log-probs of the samples (one eval forward each)
//            plus the demo_sort rule (our time/scoring metric);
//   update   wall - rollout - scoring: advantages, the minibatch forwards and backwards, clip,
//            AdamW, the loop's logging (the wall time is the gap between two rollouts' records).
// How to read it: medians over the timed rollouts, after warm-up ones (the first also loads the
// models). "gen" is rollout / wall: what generation costs of the whole. "cpu s" is the process's
// CPU seconds a rollout, all threads: steadier than wall time when another process shares the
// cores (the two sides run minutes apart), though not immune to it. The ratio row is ours /
// python: above 1 in episodes/s, below 1 in seconds, means ours is faster. Both sides start from
// the same random-init checkpoint (Python reads its safetensors) and learn at lr 1e-6, so they
// sample the same distribution throughout; a random-init model seldom writes end-of-text, so most
// samples run to 64 tokens, and "tokens" (generated tokens a rollout, end-of-text included) shows
// both did the same work. Each side runs in its own child process, so each peak RSS is its own.
// `--algorithm ppo` adds the critic on both sides (from the policy with a fresh head; its values
// of the rollout, GAE, the clipped value loss in the same backward, its own AdamW), with K and
// ppo_epochs as above rather than PPO's defaults (1 and 4): GRPO's work plus the critic's.
// One run takes about 1.5 minutes on 2 threads (3 for PPO).
// `bench_rl [--threads N] [--rollouts N] [--warmup N] [--algorithm grpo|rloo|ppo] [--skip-python]`
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "core/common/runtime.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/rl_trainer.h"
#include "core/train/training_loop.h"

namespace prefstudio {
namespace {

using namespace bench;

struct Settings {
  std::string algorithm = "grpo";
  GptConfig model = gpt(257, 256, 384, 6, 6);  // the 10m model of bench_dpo and bench_reward
  int64_t rollout_prompts = 8;
  int64_t samples_per_prompt = 4;  // K
  int64_t max_new_tokens = 64;
  int64_t ppo_epochs = 1;
  int64_t minibatch_size = 8;
  // Tiny, so the policy stays at its init and both sides sample one distribution throughout (at
  // 3e-4 RLOO and PPO learn to stop early within a few rollouts, each side at its own pace, and
  // the work drifts apart). No cost depends on it.
  double lr = 1e-6;
  int64_t warmup = 2;    // untimed rollouts; at least 1, since the first wall gap includes loading
  int64_t rollouts = 5;  // timed
  int threads = 0;
  int64_t episodes() const { return rollout_prompts * samples_per_prompt; }
};

// Training prompts both sides draw from: 256 demo prompts "Sort: <4-10 letters>\n" (11-17 bytes).
constexpr int64_t kPrompts = 256;
constexpr uint64_t kPromptSeed = 7;

// CPU seconds of this process, all threads: less swayed than wall time by another process on the
// same cores (with OMP_WAIT_POLICY=PASSIVE no thread spins while it waits).
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + 1e-6 * double(t.tv_usec); };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Per rollout: the trainer's own phase times, its mean response length, and the wall and CPU time
// since the previous rollout's record (NaN for the first, which also holds the loading).
class RolloutTimes : public MetricsSink {
 public:
  void on_metrics(const MetricRecord& record) override {
    const double rollout = metric_value(record.values, "time/rollout");
    if (std::isnan(rollout)) return;  // not a training record
    const auto now = Clock::now();
    const double cpu_now = process_cpu_seconds();
    wall.push_back(has_last_ ? std::chrono::duration<double>(now - last_).count() : NAN);
    cpu.push_back(has_last_ ? cpu_now - cpu_last_ : NAN);
    has_last_ = true;
    last_ = now;
    cpu_last_ = cpu_now;
    this->rollout.push_back(rollout);
    scoring.push_back(metric_value(record.values, "time/scoring"));
    length.push_back(metric_value(record.values, "response/length"));
  }
  std::vector<double> rollout, scoring, wall, cpu, length;

 private:
  bool has_last_ = false;
  Clock::time_point last_;
  double cpu_last_ = 0.0;
};

std::vector<double> after_warmup(const std::vector<double>& values, int64_t warmup) {
  return {values.begin() + std::min<size_t>(warmup, values.size()), values.end()};
}

// The whole RL run of `settings` on the checkpoint in `dir`, in this process; prints one line
// "RESULT {json}" with the same keys as rl_reference.py.
int run_worker(const std::string& dir, const Settings& settings) {
  init_torch_threads(settings.threads);
  const nlohmann::json json = {
      {"policy_dir", dir + "/policy"},
      {"output_dir", dir + "/out"},
      {"reward", {{"function", "demo_sort"}}},
      {"steps", settings.warmup + settings.rollouts},
      {"rollout_prompts", settings.rollout_prompts},
      {"samples_per_prompt", settings.samples_per_prompt},
      {"max_new_tokens", settings.max_new_tokens},
      {"ppo_epochs", settings.ppo_epochs},
      {"minibatch_size", settings.minibatch_size},
      {"log_every", 1},   // one record a rollout: the sink times the gaps between them
      {"eval_every", 0},  // and no evaluation prompts, so no evaluation at all
      {"optimizer", {{"lr", settings.lr}}},  // PPO's critic takes a copy
      {"threads", settings.threads}};
  // rl_config_from_json resolves the algorithm's defaults (the KL coefficient: GRPO 0, RLOO 0.05,
  // PPO 0.02, which rl_reference.py takes too) and checks the rest as the CLI does.
  RlConfig config = rl_config_from_json(json, settings.algorithm);
  RlData data;
  data.train_prompts = demo_prompts(kPrompts, kPromptSeed);
  RolloutTimes times;
  const auto started = Clock::now();
  RlTrainer(config, data).run(times);
  const double run_seconds = seconds_since(started);

  const auto rollout = after_warmup(times.rollout, settings.warmup);
  const auto scoring = after_warmup(times.scoring, settings.warmup);
  const auto wall = after_warmup(times.wall, settings.warmup);
  const auto cpu = after_warmup(times.cpu, settings.warmup);
  std::vector<double> update, tokens;
  for (size_t i = 0; i < wall.size(); ++i) update.push_back(wall[i] - rollout[i] - scoring[i]);
  for (double length : after_warmup(times.length, settings.warmup))
    tokens.push_back(length * double(settings.episodes()));
  double tokens_mean = 0.0;
  for (double t : tokens) tokens_mean += t / double(tokens.size());
  const nlohmann::json result = {{"algorithm", settings.algorithm},
                                 {"episodes", settings.episodes()},
                                 {"rollouts", int64_t(wall.size())},
                                 {"episodes_per_s", double(settings.episodes()) / median(wall)},
                                 {"wall_s", median(wall)},
                                 {"rollout_s", median(rollout)},
                                 {"scoring_s", median(scoring)},
                                 {"update_s", median(update)},
                                 {"cpu_s", median(cpu)},
                                 {"generation_share", median(rollout) / median(wall)},
                                 {"tokens_per_rollout", tokens_mean},
                                 {"run_s", run_seconds},
                                 {"peak_rss_mib", peak_rss_mib()}};
  std::printf("RESULT %s\n", result.dump().c_str());
  return 0;
}

nlohmann::json run_python(const std::string& dir, const Settings& s) {
  const auto& c = s.model;
  char command[1536];
  std::snprintf(command, sizeof(command),
                "/usr/bin/python3 %s/bench/python/rl_reference.py --vocab %lld --positions %lld "
                "--embd %lld --layers %lld --heads %lld --rollout-prompts %lld --k %lld "
                "--max-new-tokens %lld --ppo-epochs %lld --minibatch %lld --rollouts %lld "
                "--warmup %lld --threads %d --algorithm %s --prompts-file '%s/prompts.json' "
                "--policy-dir '%s/policy' --lr %g",
                PREFSTUDIO_SOURCE_DIR, (long long)c.vocab_size, (long long)c.n_positions,
                (long long)c.n_embd, (long long)c.n_layer, (long long)c.n_head,
                (long long)s.rollout_prompts, (long long)s.samples_per_prompt,
                (long long)s.max_new_tokens, (long long)s.ppo_epochs, (long long)s.minibatch_size,
                (long long)s.rollouts, (long long)s.warmup, s.threads, s.algorithm.c_str(),
                dir.c_str(), dir.c_str(), s.lr);
  return run_json(command);
}

// The random-init checkpoint the worker trains, and the prompts file the Python side reads.
int64_t prepare(const std::string& dir, const Settings& settings) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const GptConfig& c = settings.model;
  const nlohmann::json spec = {{"tokenizer", "byte"},          {"n_embd", c.n_embd},
                               {"n_layer", c.n_layer},         {"n_head", c.n_head},
                               {"n_positions", c.n_positions}, {"seed", 1}};
  const ModelInitResult init = init_model_checkpoint(spec, dir + "/policy");
  std::ofstream(dir + "/prompts.json") << nlohmann::json(demo_prompts(kPrompts, kPromptSeed));
  return init.parameter_count;
}

void print_row(const char* name, const nlohmann::json& run) {
  if (run.is_null()) {
    std::printf("%-12s %10s %9s %9s %9s %8s %8s %6s %7s %8s\n", name, "-", "-", "-", "-", "-", "-",
                "-", "-", "-");
    return;
  }
  std::printf("%-12s %10.2f %9.3f %9.3f %9.3f %8.3f %8.2f %5.0f%% %7.0f %8.0f\n", name,
              run["episodes_per_s"].get<double>(), run["rollout_s"].get<double>(),
              run["scoring_s"].get<double>(), run["update_s"].get<double>(),
              run["wall_s"].get<double>(), run["cpu_s"].get<double>(),
              100.0 * run["generation_share"].get<double>(),
              run["tokens_per_rollout"].get<double>(), run["peak_rss_mib"].get<double>());
}

void print_ratios(const nlohmann::json& ours, const nlohmann::json& python) {
  if (ours.is_null() || python.is_null()) return;
  auto ratio = [&](const char* key) { return ours[key].get<double>() / python[key].get<double>(); };
  std::printf("%-12s %9.2fx %8.2fx %8.2fx %8.2fx %7.2fx %7.2fx\n", "ours/python",
              ratio("episodes_per_s"), ratio("rollout_s"), ratio("scoring_s"), ratio("update_s"),
              ratio("wall_s"), ratio("cpu_s"));
}

int run_benchmark(const std::string& self, const Settings& s, bool skip_python) {
  const std::string dir = (std::filesystem::temp_directory_path() / "bench_rl").string();
  const int64_t parameters = prepare(dir, s);
  std::printf(
      "bench_rl: %s, 10m model (%.2fM parameters, random init), %lld prompts x K = %lld "
      "(%lld episodes) a rollout, max_new_tokens %lld, ppo_epochs %lld, minibatch %lld; "
      "%d threads; medians over %lld rollouts after %lld warm-up\n\n",
      s.algorithm.c_str(), double(parameters) / 1e6, (long long)s.rollout_prompts,
      (long long)s.samples_per_prompt, (long long)s.episodes(), (long long)s.max_new_tokens,
      (long long)s.ppo_epochs, (long long)s.minibatch_size, s.threads, (long long)s.rollouts,
      (long long)s.warmup);
  std::fflush(stdout);
  nlohmann::json ours, python;
  try {
    ours = run_json("'" + self + "' --worker '" + dir + "' " + s.algorithm + " " +
                    std::to_string(s.threads) + " " + std::to_string(s.warmup) + " " +
                    std::to_string(s.rollouts));
  } catch (const std::exception&) {
    // A config the trainer refuses: the worker's error is on stderr above; Python still runs.
    std::printf("ours: no result for %s (the worker's error is above)\n", s.algorithm.c_str());
  }
  if (!skip_python) python = run_python(dir, s);
  std::printf("%-12s %10s %9s %9s %9s %8s %8s %6s %7s %8s\n", "", "episodes/s", "rollout s",
              "scoring s", "update s", "wall s", "cpu s", "gen", "tokens", "peak MiB");
  print_row("ours", ours);
  print_row("python", python);
  print_ratios(ours, python);
  if (!python.is_null())
    std::printf(
        "\npython: scoring includes %.3f s of the demo rule in pure Python; %.0f decode "
        "steps and %.1f end-of-text a rollout\n",
        python["scoring_reward_s"].get<double>(), python["decode_steps_per_rollout"].get<double>(),
        python["eos_per_rollout"].get<double>());
  if (!ours.is_null())
    std::printf("ours: whole run (loading, %lld rollouts, final checkpoint) %.1f s\n",
                (long long)(s.warmup + s.rollouts), ours["run_s"].get<double>());
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  using namespace prefstudio;
  try {
    Settings settings;
    if (argc == 7 && std::string(argv[1]) == "--worker") {
      settings.algorithm = argv[3];
      settings.threads = std::atoi(argv[4]);
      settings.warmup = std::atoll(argv[5]);
      settings.rollouts = std::atoll(argv[6]);
      return run_worker(argv[2], settings);
    }
    bool skip_python = false;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--threads" && i + 1 < argc)
        settings.threads = std::atoi(argv[++i]);
      else if (arg == "--rollouts" && i + 1 < argc)
        settings.rollouts = std::max(1LL, std::atoll(argv[++i]));
      else if (arg == "--warmup" && i + 1 < argc)
        settings.warmup = std::max(1LL, std::atoll(argv[++i]));
      else if (arg == "--algorithm" && i + 1 < argc &&
               (std::string(argv[i + 1]) == "grpo" || std::string(argv[i + 1]) == "rloo" ||
                std::string(argv[i + 1]) == "ppo"))
        settings.algorithm = argv[++i];  // one of three: it goes into the children's command lines
      else if (arg == "--skip-python")
        skip_python = true;
      else {
        std::fprintf(stderr,
                     "usage: bench_rl [--threads N] [--rollouts N] [--warmup N] "
                     "[--algorithm grpo|rloo|ppo] [--skip-python]\n");
        return 2;
      }
    }
    settings.threads = init_torch_threads(settings.threads);
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    return run_benchmark(self, settings, skip_python);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_rl: %s\n", error.what());
    return 1;
  }
}
