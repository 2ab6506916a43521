// True score against KL for the online-RL trainers on the synthetic vowel task
// (tests/core/train/synthetic_policy.h: six letters after "P017:", true score = vowel count), the
// DPO paper's frontier beside bench_dpo's: PPO and GRPO against a reward model trained on
// Plackett-Luce rankings of the SFT model's own samples, at several KL coefficients, and RLOO and
// GRPO with the rule itself. Each run: 10 rollouts from the same SFT model, lr 5e-4,
// missing_eos_penalty 3; evaluated on 100 held-out prompts x 4 samples at temperature 1 (true
// score with its standard error, sequence KL to the SFT model, EOS rate, length).
// `bench_rl_frontier [--threads N] [--rollouts N]`. Not a test: it prints figures.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/common/runtime.h"
#include "core/train/rl_trainer.h"
#include "tests/core/train/synthetic_policy.h"

namespace prefstudio {
namespace {

struct QuietSink : MetricsSink {
  void on_metrics(const MetricRecord&) override {}
};

struct Run {
  std::string algorithm;
  bool reward_model = false;  // else the rule
  double kl_coefficient = 0.0;
};

RlConfig config_for(const Run& run, const std::string& sft, const std::string& reward_model,
                    const std::filesystem::path& out, int64_t rollouts, int threads) {
  RlConfig config;
  config.algorithm = run.algorithm;
  config.policy_dir = sft;
  config.output_dir = out.string();
  if (run.reward_model)
    config.reward_model_dir = reward_model;
  else
    config.reward_function = "demo_sort";  // replaced by the vowel rule through RlData
  config.steps = rollouts;
  config.rollout_prompts = run.algorithm == "ppo" ? 64 : 16;
  config.samples_per_prompt = run.algorithm == "ppo" ? 1 : 4;
  config.ppo_epochs = run.algorithm == "ppo" ? 2 : 1;
  config.max_new_tokens = 12;
  config.minibatch_size = 16;
  config.kl_coefficient = run.kl_coefficient;
  config.kl_estimator = run.algorithm == "grpo" ? "k3" : "k1";
  config.missing_eos_penalty = 3.0;
  config.eval_every = 0;
  config.threads = threads;
  config.optimizer.lr = 5e-4;
  return config;
}

void print_row(const std::string& method, const std::string& coefficient,
               const PolicyEvaluation& e, double seconds) {
  const double se = e.true_score_std / std::sqrt(double(e.samples));
  std::printf("%-18s %6s | %10.3f %6.3f | %8.2f | %5.2f %6.2f | %6.1f\n", method.c_str(),
              coefficient.c_str(), e.true_score_mean, se, e.kl_mean, e.eos_rate, e.length_mean,
              seconds);
  std::fflush(stdout);
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  using namespace prefstudio;
  int threads = 0;
  int64_t rollouts = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (arg == "--rollouts" && i + 1 < argc)
      rollouts = std::atoll(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_rl_frontier [--threads N] [--rollouts N]\n");
      return 2;
    }
  }
  try {
    init_torch_threads(threads);
    const auto dir = std::filesystem::temp_directory_path() / "bench_rl_frontier";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string sft = test::train_synthetic_sft(dir.string(), threads);
    double accuracy = 0.0;
    const std::string reward_model =
        test::train_synthetic_reward_model(sft, dir.string(), threads, &accuracy);
    std::printf("reward model: training accuracy %.3f on 300 ranked prompts\n", accuracy);
    std::printf("%-18s %6s | %10s %6s | %8s | %5s %6s | %6s\n", "method", "kl", "true score",
                "+-se", "KL nats", "eos", "length", "s");
    print_row("sft", "-", test::evaluate_synthetic(sft, sft), 0.0);
    const std::vector<Run> runs = {
        {"ppo", true, 0.0},    {"ppo", true, 0.02},   {"ppo", true, 0.1},  {"ppo", true, 0.3},
        {"ppo", true, 1.0},    {"grpo", true, 0.0},   {"grpo", true, 0.1}, {"grpo", true, 0.3},
        {"grpo", false, 0.0},  {"rloo", false, 0.05}, {"rloo", false, 0.3}};
    int index = 0;
    for (const Run& run : runs) {
      const RlConfig config = config_for(run, sft, reward_model,
                                         dir / ("run" + std::to_string(index++)), rollouts, threads);
      RlData data;
      for (int p = 0; p < 300; ++p) data.train_prompts.push_back(test::synthetic_prompt(p));
      data.rule = test::vowel_rule;
      QuietSink sink;
      const RlResult result = RlTrainer(config, data).run(sink);
      char coefficient[16];
      std::snprintf(coefficient, sizeof(coefficient), "%.2f", run.kl_coefficient);
      print_row(run.algorithm + (run.reward_model ? ", reward model" : ", rule"), coefficient,
                test::evaluate_synthetic(result.final_dir, sft), result.seconds);
    }
    std::filesystem::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rl_frontier: %s\n", e.what());
    return 1;
  }
  return 0;
}
