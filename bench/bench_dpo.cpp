// Benchmark: DPO training pairs/s and peak RSS at K = 4 and K = 9, three ways in one run:
// K-wise (each prompt's K completions one forward each, every untied pair formed from the K
// summed log-probs: the trainer's path, make_sequence_batch + completion_logprobs +
// make_dpo_pair_batch + dpo_loss), flat pairs (each pair's chosen and rejected as their own rows,
// all pairs in one forward, as TRL's concatenated forward does: K-1 times the sequences), and the
// K-wise step in Python PyTorch (bench/python/dpo_reference.py, same threads, lengths and ranks).
// A step is forward + log-softmax gather + sigmoid DPO loss + backward + clip + AdamW + zero_grad
// on random tokens with constant reference log-probs; medians over the timed steps; each run its
// own child process, so its peak RSS is its own. Then a whole DPO run twice on the 10m model, the
// second reading the reference log-probs from the first's cache: the reference's cost, measured.
// Last, the DPO paper's frontier on our synthetic task (tests/core/train/synthetic_policy.h): true
// score against sequence KL to the SFT model at several betas, 100 held-out prompts x 4 samples.
// `bench_dpo [--threads N] [--only tiny|10m] [--k 4|9] [--skip-python] [--skip-flat]
//            [--skip-cache] [--skip-frontier]`
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "core/common/runtime.h"
#include "core/model/gpt.h"
#include "core/model/model_init.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/completion_logprobs.h"
#include "core/train/dpo_data.h"
#include "core/train/dpo_loss.h"
#include "core/train/dpo_trainer.h"
#include "core/train/grad_clip.h"
#include "tests/core/train/synthetic_policy.h"

namespace prefstudio {
namespace {

using namespace bench;

struct Size {
  std::string name;
  GptConfig config;
  int64_t prompts = 8;  // rankings per step
  int64_t seq = 64;     // longest sequence; lengths span seq/2 .. seq, the first 16 the prompt
  int64_t steps = 3;       // timed K-wise steps (ours and Python)
  int64_t warmup = 1;      // untimed
  int64_t flat_steps = 1;  // timed flat steps (after one untimed): K-1 times the work
};

constexpr int64_t kPromptTokens = 16;

// bench_reward's sizes: the demo model (0.8M) and the 10m model (10.7M), byte vocabulary.
std::vector<Size> sizes() {
  return {{"tiny", gpt(257, 64, 128, 4, 4), 8, 64, 10, 2, 4},
          {"10m", gpt(257, 256, 384, 6, 6), 8, 64, 5, 1, 2}};
}

// One step's prompts as the trainer holds them: row p*K + j has length seq/2 + (37 (p*K + j)) mod
// (seq/2 + 1) (the first 16 tokens the prompt), rank (K - 1 - j + p) mod K, and reference log-prob
// -(completion tokens) * 2, as dpo_reference.py builds them. With `flat`, each prompt's pairs
// become prompts of two rows each.
std::vector<DpoPrompt> step_prompts(const Size& size, int64_t k, bool flat) {
  const int64_t half = size.seq / 2;
  std::mt19937_64 rng(0);
  std::uniform_int_distribution<int64_t> byte(0, 255);
  std::vector<DpoPrompt> out;
  for (int64_t p = 0; p < size.prompts; ++p) {
    DpoPrompt prompt;
    prompt.sequences.prompt_ids.resize(kPromptTokens);
    for (auto& id : prompt.sequences.prompt_ids) id = byte(rng);
    std::vector<int> ranks;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t length = half + (37 * (p * k + j)) % (half + 1) - kPromptTokens;
      std::vector<int64_t> ids(length);
      for (auto& id : ids) id = byte(rng);
      prompt.sequences.completion_ids.push_back(ids);
      prompt.sequences.kept.push_back(true);
      prompt.kept.push_back(static_cast<int>(j));
      prompt.reference.push_back({-2.0 * double(length), length});
      ranks.push_back(static_cast<int>((k - 1 - j + p) % k));
    }
    const double pairs = double(k * (k - 1) / 2);
    for (int a = 0; a < k; ++a)
      for (int b = 0; b < k; ++b)
        if (ranks[a] < ranks[b]) prompt.pairs.push_back({a, b, 1.0 / pairs});
    prompt.rankings = 1;
    if (!flat) {
      out.push_back(std::move(prompt));
      continue;
    }
    for (const DpoPair& pair : prompt.pairs) {  // one two-row prompt per pair
      DpoPrompt two;
      two.sequences.prompt_ids = prompt.sequences.prompt_ids;
      for (int row : {pair.chosen, pair.rejected}) {
        two.sequences.completion_ids.push_back(prompt.sequences.completion_ids[row]);
        two.sequences.kept.push_back(true);
        two.reference.push_back(prompt.reference[row]);
      }
      two.kept = {0, 1};
      two.pairs = {{0, 1, 1.0}};
      two.rankings = 1;
      out.push_back(std::move(two));
    }
  }
  return out;
}

// One run of `mode` ("kwise" or "flat") in this process; prints one line "RESULT {json}".
int run_worker(const std::string& size_name, int64_t k, const std::string& mode, int threads) {
  init_torch_threads(threads);
  Size size;
  for (const Size& s : sizes())
    if (s.name == size_name) size = s;
  if (size.name.empty()) throw std::runtime_error("unknown size " + size_name);
  torch::manual_seed(0);
  Gpt model(size.config);
  model->train();
  NamedParameters named;
  for (const auto& item : model->named_parameters()) named.emplace_back(item.key(), item.value());
  std::vector<torch::Tensor> parameters;
  for (const auto& item : named) parameters.push_back(item.second);
  OptimizerConfig adamw;
  adamw.lr = 1e-5;
  adamw.weight_decay = 0.1;
  auto optimizer = make_optimizer(adamw, named);

  const bool flat = mode == "flat";
  const int64_t warmup = flat ? 1 : size.warmup, steps = flat ? size.flat_steps : size.steps;
  const std::vector<DpoPrompt> prompts = step_prompts(size, k, flat);
  std::vector<const DpoPrompt*> views;
  std::vector<SequenceRow> rows;
  for (const auto& prompt : prompts) {
    views.push_back(&prompt);
    prompt.append_rows(rows);
  }
  const SequenceBatch batch = make_sequence_batch(rows, size.config.eos_token_id);
  const int64_t pairs = size.prompts * k * (k - 1) / 2;
  const double rss_before_training = peak_rss_mib();
  std::vector<double> times;
  double loss_value = 0.0;
  for (int64_t step = 0; step < warmup + steps; ++step) {
    const auto start = Clock::now();
    auto logprobs = completion_logprobs(model, batch);  // (B)
    // Flat: every pair its own one-ranking prompt, so each weighs 1 / (all pairs), as K-wise.
    DpoLossOutput out = dpo_loss(
        make_dpo_pair_batch(views, logprobs, completion_token_counts(batch)), DpoLossOptions{});
    out.loss.backward();
    clip_grad_norm(parameters, 1.0);
    optimizer->step();
    optimizer->zero_grad();
    if (step + 1 == warmup + steps) loss_value = out.loss.item<double>();  // sync point: reported
    if (step >= warmup) times.push_back(seconds_since(start));
  }
  int64_t parameter_count = 0;
  for (const auto& p : parameters) parameter_count += p.numel();
  nlohmann::json result = {{"step_s_median", median(times)},
                           {"pairs_per_s", double(pairs) / median(times)},
                           {"pairs", pairs},
                           {"sequences", int64_t(rows.size())},
                           {"tokens", batch.tokens},
                           {"parameters", parameter_count},
                           {"threads", torch::get_num_threads()},
                           {"loss", loss_value},
                           {"rss_before_training_mib", rss_before_training},
                           {"peak_rss_mib", peak_rss_mib()}};
  std::printf("RESULT %s\n", result.dump().c_str());
  return 0;
}

nlohmann::json run_python(const Size& size, int64_t k, int threads) {
  const auto& c = size.config;
  char command[1024];
  std::snprintf(command, sizeof(command),
                "/usr/bin/python3 %s/bench/python/dpo_reference.py --vocab %lld --positions %lld "
                "--embd %lld --layers %lld --heads %lld --prompts %lld --k %lld --seq %lld "
                "--prompt-tokens %lld --steps %lld --warmup %lld --threads %d",
                PREFSTUDIO_SOURCE_DIR, (long long)c.vocab_size, (long long)c.n_positions,
                (long long)c.n_embd, (long long)c.n_layer, (long long)c.n_head,
                (long long)size.prompts, (long long)k, (long long)size.seq,
                (long long)kPromptTokens, (long long)size.steps, (long long)size.warmup, threads);
  return run_json(command);
}

struct QuietSink : MetricsSink {
  void on_metrics(const MetricRecord&) override {}
};

// A whole DPO run (load, tokenize, reference log-probs, 10 steps, save) on the 10m model over 256
// prompts of K = 4 letter strings, twice: the second finds every reference log-prob cached.
void run_cache_comparison(int threads) {
  const auto dir = std::filesystem::temp_directory_path() / "bench_dpo_cache";
  std::filesystem::remove_all(dir);
  init_model_checkpoint({{"tokenizer", "byte"}, {"n_embd", 384}, {"n_layer", 6}, {"n_head", 6},
                         {"n_positions", 256}, {"seed", 1}},
                        (dir / "sft").string());
  DpoData data;
  for (int p = 0; p < 256; ++p) {
    RankingExample ranking;
    ranking.prompt = "Sort: " + std::string(8 + p % 9, char('a' + p % 26)) + "\n";
    ranking.labeler = "bench";
    for (int j = 0; j < 4; ++j)
      ranking.completions.push_back(
          {0, std::string(20 + (7 * p + 13 * j) % 40, char('a' + (p + j) % 26)), true, j});
    data.train.push_back(std::move(ranking));
  }
  InMemoryReferenceCache cache;
  std::printf("\nWhole DPO run, 10m model, 256 prompts x K = 4, 10 steps of 8 prompts, %d threads:\n",
              threads);
  double first = 0.0;
  for (const char* run : {"first (reference computed)", "second (reference cached)"}) {
    DpoConfig config;
    config.policy_dir = (dir / "sft").string();
    config.output_dir = (dir / "out").string();
    config.steps = 10;
    config.batch_prompts = 8;
    config.eval_every = 0;
    config.warmup_steps = 0;
    config.threads = threads;
    QuietSink sink;
    const auto start = Clock::now();
    DpoResult result = DpoTrainer(config, data, &cache).run(sink);
    const double seconds = seconds_since(start);
    std::printf("  %-27s %6.2f s  (reference: %lld computed, %lld cached; training loop %.2f s)",
                run, seconds, (long long)result.reference_computed,
                (long long)result.reference_cached, result.seconds);
    if (first > 0) std::printf("  first/second %.2fx", first / seconds);
    std::printf("\n");
    std::fflush(stdout);
    if (first == 0) first = seconds;
  }
  std::filesystem::remove_all(dir);
}

// True score against KL at several betas (sigmoid loss), and the other losses at their defaults,
// all from the same SFT model and the same rankings of its own samples.
void run_frontier(int threads) {
  const auto dir = std::filesystem::temp_directory_path() / "bench_dpo_frontier";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string sft = test::train_synthetic_sft(dir.string(), threads);
  const auto rankings = test::rank_own_samples(sft, 300, false);
  const PolicyEvaluation base = test::evaluate_synthetic(sft, sft);
  std::printf("\nFrontier on the synthetic vowel task: %zu prompts of K <= 4 own samples ranked by "
              "Plackett-Luce over the vowel count; 2 epochs, lr 1e-3; 100 held-out prompts x 4 "
              "samples\n",
              rankings.size());
  std::printf("%-14s %6s | %10s %6s | %8s | %5s %6s\n", "loss", "beta", "true score", "+-se",
              "KL nats", "eos", "length");
  auto row = [&](const std::string& loss, double beta, const PolicyEvaluation& e) {
    const double se = e.true_score_std / std::sqrt(double(e.samples));
    std::printf("%-14s %6s | %10.3f %6.3f | %8.2f | %5.2f %6.2f\n", loss.c_str(),
                beta > 0 ? std::to_string(beta).substr(0, 5).c_str() : "-", e.true_score_mean, se,
                e.kl_mean, e.eos_rate, e.length_mean);
    std::fflush(stdout);
  };
  row("sft", 0, base);
  std::vector<std::pair<std::string, double>> runs = {
      {"sigmoid", 0.03}, {"sigmoid", 0.1}, {"sigmoid", 0.3}, {"sigmoid", 1.0}, {"sigmoid", 3.0},
      {"ipo", 0.1},      {"hinge", 0.1},   {"sigmoid_norm", 5}, {"simpo", 2.0}};
  for (const auto& [loss, beta] : runs) {
    DpoConfig config;
    config.policy_dir = sft;
    config.output_dir = (dir / (loss + std::to_string(beta))).string();
    config.loss = loss;
    config.beta = beta;
    config.epochs = 2;
    config.batch_prompts = 16;
    config.max_length = 24;
    config.warmup_steps = 5;
    config.eval_every = 0;
    config.threads = threads;
    config.optimizer.lr = 1e-3;
    DpoData data;
    data.train = rankings;
    QuietSink sink;
    const DpoResult result = DpoTrainer(config, data).run(sink);
    row(loss, beta, test::evaluate_synthetic(result.final_dir, sft));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  using namespace prefstudio;
  using namespace prefstudio::bench;
  try {
    if (argc == 6 && std::string(argv[1]) == "--worker")
      return run_worker(argv[2], std::atoll(argv[3]), argv[4], std::atoi(argv[5]));
    int threads = 0;
    std::string only;
    std::vector<int64_t> ks = {4, 9};
    bool skip_python = false, skip_flat = false, skip_cache = false, skip_frontier = false;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--threads" && i + 1 < argc)
        threads = std::atoi(argv[++i]);
      else if (arg == "--only" && i + 1 < argc)
        only = argv[++i];
      else if (arg == "--k" && i + 1 < argc)
        ks = {std::atoll(argv[++i])};
      else if (arg == "--skip-python")
        skip_python = true;
      else if (arg == "--skip-flat")
        skip_flat = true;
      else if (arg == "--skip-cache")
        skip_cache = true;
      else if (arg == "--skip-frontier")
        skip_frontier = true;
      else {
        std::fprintf(stderr,
                     "usage: bench_dpo [--threads N] [--only tiny|10m] [--k K] [--skip-python] "
                     "[--skip-flat] [--skip-cache] [--skip-frontier]\n");
        return 2;
      }
    }
    threads = init_torch_threads(threads);
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::printf(
        "bench_dpo: %d threads, sigmoid DPO loss, AdamW; pairs/s, median ms/step, peak RSS MiB "
        "(+ over the RSS before training)\n\n",
        threads);
    std::printf("%-4s %7s %2s %6s %5s | %9s %8s %12s | %9s %8s %12s | %9s %8s %12s | %6s %6s\n",
                "size", "params", "K", "pairs", "T", "K-wise", "ms", "peak MiB", "flat", "ms",
                "peak MiB", "python", "ms", "peak MiB", "K/flat", "K/py");
    for (const Size& size : sizes()) {
      if (!only.empty() && size.name != only) continue;
      for (int64_t k : ks) {
        auto worker = [&](const char* mode) {
          return run_json("'" + self + "' --worker " + size.name + " " + std::to_string(k) + " " +
                          mode + " " + std::to_string(threads));
        };
        const nlohmann::json kwise = worker("kwise");
        const nlohmann::json flat = skip_flat ? nlohmann::json() : worker("flat");
        const nlohmann::json python = skip_python ? nlohmann::json() : run_python(size, k, threads);
        std::printf("%-4s %6.2fM %2lld %6lld %5lld", size.name.c_str(),
                    kwise["parameters"].get<double>() / 1e6, (long long)k,
                    kwise["pairs"].get<long long>(), (long long)size.seq);
        print_pairs_run(kwise);
        print_pairs_run(flat);
        print_pairs_run(python);
        std::printf(" | %5.2fx %5.2fx\n", pairs_ratio(kwise, flat), pairs_ratio(kwise, python));
        std::fflush(stdout);
      }
    }
    std::printf(
        "\nK-wise: one forward of prompts*K sequences a step; flat: each pair's two sequences "
        "(K-1 times the sequences) in one forward, as TRL batches pairs.\n");
    if (!skip_cache) run_cache_comparison(threads);
    if (!skip_frontier) run_frontier(threads);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_dpo: %s\n", error.what());
    return 1;
  }
  return 0;
}
