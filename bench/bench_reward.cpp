// Benchmark: reward-model training pairs/s and peak RSS at K = 4 and K = 9, three ways in one run:
// K-wise (each prompt's K completions one forward each, all C(K, 2) pairs formed from the K
// scores), flat pairs (each pair its own 2-sequence forward: K(K-1) forwards a prompt, gradients
// accumulated), and the K-wise step in Python PyTorch (bench/python/reward_reference.py, run as a
// subprocess with the same threads, lengths and ranks). A step is forward_hidden + ScalarHead at
// the last real token + reward_ranking_loss (pairwise) + backward + clip + AdamW step + zero_grad
// on random right-padded tokens; medians over the timed steps. Each of our runs is its own child
// process, so its peak RSS is its own. Leaves out tokenizing and data loading.
// --release-heap: init_torch_threads keeps glibc from handing each step's freed activations back
// to the kernel (core/common/runtime.cpp); this flag restores glibc's default thresholds in our
// workers, to show what that is worth against Python.
// `bench_reward [--threads N] [--only tiny|10m] [--k 4|9] [--skip-python] [--skip-flat]
//               [--release-heap]`
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "core/common/runtime.h"
#include "core/model/gpt.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/grad_clip.h"
#include "core/train/reward_loss.h"

namespace prefstudio {
namespace {

using namespace bench;

struct Size {
  std::string name;
  GptConfig config;
  int64_t prompts = 8;     // rankings per step
  int64_t seq = 64;        // longest sequence (prompt + completion); lengths span seq/2 .. seq
  int64_t steps = 3;       // timed K-wise steps (ours and Python)
  int64_t warmup = 1;      // untimed (allocator, first-touch)
  int64_t flat_steps = 1;  // timed flat steps; their warm-up is one pair's forward and backward
};

// bench_train's tiny and 10m models, 8 prompts of up to 64 tokens. Few timed steps: 10m at K = 9
// flat is 288 forwards and backwards of 2 sequences a step, the longest item of the run.
std::vector<Size> sizes() {
  return {
      // The demo model: byte vocabulary, 4 x 128 (0.8M).
      {"tiny", gpt(257, 64, 128, 4, 4), 8, 64, 10, 2, 2},
      // Byte vocabulary, 6 x 384 (10.7M), as bench_train's and bench_galore's 10m.
      {"10m", gpt(257, 256, 384, 6, 6), 8, 64, 3, 1, 1},
  };
}

// One step's data: prompts * K right-padded rows and each prompt's ranking. Row p*K + j has
// length seq/2 + (37 (p*K + j)) mod (seq/2 + 1) and rank (K - 1 - j + p) mod K, as
// reward_reference.py builds them.
struct RankedBatch {
  torch::Tensor idx;   // (N, T) int64, 0 on padding
  torch::Tensor mask;  // (N, T) int64, 1 = real token
  std::vector<int64_t> lengths;
  std::vector<RankingGroup> groups;
  int64_t pairs = 0;
};

RankedBatch ranked_batch(const Size& size, int64_t k) {
  RankedBatch batch;
  const int64_t n = size.prompts * k, half = size.seq / 2;
  for (int64_t i = 0; i < n; ++i) batch.lengths.push_back(half + (37 * i) % (half + 1));
  const int64_t t = *std::max_element(batch.lengths.begin(), batch.lengths.end());
  auto lengths = torch::tensor(batch.lengths, torch::kLong).view({n, 1});                 // (N, 1)
  batch.mask = torch::arange(t, torch::kLong).view({1, t}).lt(lengths).to(torch::kLong);  // (N, T)
  batch.idx = torch::randint(0, size.config.vocab_size - 1, {n, t}) * batch.mask;         // (N, T)
  for (int64_t p = 0; p < size.prompts; ++p) {
    RankingGroup group;
    for (int64_t j = 0; j < k; ++j) {
      group.rows.push_back(p * k + j);
      group.ranks.push_back(static_cast<int>((k - 1 - j + p) % k));
    }
    batch.groups.push_back(group);
    batch.pairs += k * (k - 1) / 2;
  }
  return batch;
}

// The GPT, its scalar head and their AdamW: what one benchmark run trains.
struct ScoredGpt {
  Gpt gpt{nullptr};
  ScalarHead head{nullptr};
  std::vector<torch::Tensor> parameters;
  std::unique_ptr<torch::optim::Optimizer> optimizer;

  explicit ScoredGpt(const GptConfig& config) {
    torch::manual_seed(0);
    gpt = Gpt(config);
    head = ScalarHead(config.n_embd);
    gpt->train();
    head->train();
    NamedParameters named;
    for (const auto& item : gpt->named_parameters()) named.emplace_back(item.key(), item.value());
    for (const auto& item : head->named_parameters())
      named.emplace_back("score." + item.key(), item.value());
    for (const auto& item : named) parameters.push_back(item.second);
    OptimizerConfig adamw;
    adamw.lr = 1e-4;
    adamw.weight_decay = 0.1;
    optimizer = make_optimizer(adamw, named);
  }

  torch::Tensor scores(const torch::Tensor& idx, const torch::Tensor& mask) {
    auto hidden = gpt->forward_hidden(GptInput{idx, mask, {}});  // (B, T, C)
    return head->forward(hidden, mask);                          // (B)
  }

  void step() {
    clip_grad_norm(parameters, 1.0);
    optimizer->step();
    optimizer->zero_grad();
  }
};

// Flat pairs: the forward and backward of one pair (rows a, b), its loss weighted by `weight`.
// Returns the weighted loss, detached.
torch::Tensor flat_pair(ScoredGpt& model, const RankedBatch& batch, int64_t a, int64_t b,
                        int rank_a, int rank_b, double weight) {
  const int64_t t = std::max(batch.lengths[a], batch.lengths[b]);
  auto rows = torch::tensor(std::vector<int64_t>{a, b}, torch::kLong);  // (2)
  auto idx = batch.idx.index_select(0, rows).narrow(1, 0, t);           // (2, T)
  auto mask = batch.mask.index_select(0, rows).narrow(1, 0, t);         // (2, T)
  const RankingGroup pair{{0, 1}, {rank_a, rank_b}, 0.0};
  auto loss = reward_ranking_loss(model.scores(idx, mask), {pair}, RewardLossOptions{}).loss;
  auto weighted = loss * weight;  // ()
  weighted.backward();
  return weighted.detach();
}

// One run of `mode` ("kwise" or "flat") in this process; prints one line "RESULT {json}".
int run_worker(const std::string& size_name, int64_t k, const std::string& mode, int threads,
               bool keep_heap) {
  init_torch_threads(threads);
  if (!keep_heap) {
    mallopt(M_MMAP_THRESHOLD, 128 << 10);  // glibc's defaults: mmap and trim from 128 KiB
    mallopt(M_TRIM_THRESHOLD, 128 << 10);
  }
  Size size;
  for (const Size& s : sizes())
    if (s.name == size_name) size = s;
  if (size.name.empty()) throw std::runtime_error("unknown size " + size_name);
  ScoredGpt model(size.config);
  const RankedBatch batch = ranked_batch(size, k);
  const bool flat = mode == "flat";
  const double rss_before_training = peak_rss_mib();
  if (flat) {  // warm-up: one pair
    flat_pair(model, batch, 0, 1, batch.groups[0].ranks[0], batch.groups[0].ranks[1], 1.0);
    model.optimizer->zero_grad();
  }
  std::vector<double> times;
  double loss_value = 0.0;
  const int64_t warmup = flat ? 0 : size.warmup, steps = flat ? size.flat_steps : size.steps;
  for (int64_t step = 0; step < warmup + steps; ++step) {
    auto start = Clock::now();
    if (flat) {
      // Every pair weighs 1/(all pairs): the gradient is the K-wise loss's (equal pairs a prompt).
      const double weight = 1.0 / double(batch.pairs);
      torch::Tensor loss = torch::zeros({});  // ()
      for (const auto& group : batch.groups)
        for (size_t a = 0; a < group.rows.size(); ++a)
          for (size_t b = a + 1; b < group.rows.size(); ++b)
            loss += flat_pair(model, batch, group.rows[a], group.rows[b], group.ranks[a],
                              group.ranks[b], weight);
      if (step + 1 == warmup + steps) loss_value = loss.item<double>();  // sync point: reported
    } else {
      auto scores = model.scores(batch.idx, batch.mask);  // (N)
      auto loss = reward_ranking_loss(scores, batch.groups, RewardLossOptions{}).loss;
      loss.backward();
      if (step + 1 == warmup + steps) loss_value = loss.item<double>();  // sync point: reported
    }
    model.step();
    if (step >= warmup) times.push_back(seconds_since(start));
  }
  const int64_t t = batch.idx.size(1);
  int64_t parameter_count = 0;
  for (const auto& p : model.parameters) parameter_count += p.numel();
  nlohmann::json result = {{"step_s_median", median(times)},
                           {"pairs_per_s", double(batch.pairs) / median(times)},
                           {"pairs", batch.pairs},
                           {"forwards", flat ? batch.pairs : 1},  // forward_hidden calls a step
                           {"sequences", flat ? 2 * batch.pairs : int64_t(batch.lengths.size())},
                           {"tokens", int64_t(batch.lengths.size()) * t},  // K-wise, padded
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
  std::snprintf(
      command, sizeof(command),
      "/usr/bin/python3 %s/bench/python/reward_reference.py --vocab %lld --positions %lld "
      "--embd %lld --layers %lld --heads %lld --prompts %lld --k %lld --seq %lld "
      "--steps %lld --warmup %lld --threads %d",
      PREFSTUDIO_SOURCE_DIR, (long long)c.vocab_size, (long long)c.n_positions, (long long)c.n_embd,
      (long long)c.n_layer, (long long)c.n_head, (long long)size.prompts, (long long)k,
      (long long)size.seq, (long long)size.steps, (long long)size.warmup, threads);
  return run_json(command);
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  using namespace prefstudio;
  using namespace prefstudio::bench;
  try {
    if (argc == 7 && std::string(argv[1]) == "--worker")
      return run_worker(argv[2], std::atoll(argv[3]), argv[4], std::atoi(argv[5]),
                        std::string(argv[6]) == "keep");
    int threads = 0;
    std::string only;
    std::vector<int64_t> ks = {4, 9};
    bool skip_python = false, skip_flat = false, keep_heap = true;
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
      else if (arg == "--release-heap")
        keep_heap = false;
      else {
        std::fprintf(stderr,
                     "usage: bench_reward [--threads N] [--only tiny|10m] [--k K] [--skip-python] "
                     "[--skip-flat] [--release-heap]\n");
        return 2;
      }
    }
    threads = init_torch_threads(threads);
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::printf(
        "bench_reward: %d threads, pairwise loss, AdamW; pairs/s, median ms/step, peak RSS MiB "
        "(+ over the RSS before training)%s\n\n",
        threads, keep_heap ? "" : "; ours with glibc's default heap trimming");
    std::printf("%-4s %7s %2s %6s %5s | %9s %8s %12s | %9s %8s %12s | %9s %8s %12s | %6s %6s\n",
                "size", "params", "K", "pairs", "T", "K-wise", "ms", "peak MiB", "flat", "ms",
                "peak MiB", "python", "ms", "peak MiB", "K/flat", "K/py");
    for (const Size& size : sizes()) {
      if (!only.empty() && size.name != only) continue;
      for (int64_t k : ks) {
        auto worker = [&](const char* mode) {
          return run_json("'" + self + "' --worker " + size.name + " " + std::to_string(k) + " " +
                          mode + " " + std::to_string(threads) + (keep_heap ? " keep" : " trim"));
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
        "\nK-wise: one forward of prompts*K sequences a step; flat: one 2-sequence forward per "
        "pair (K-1 times the sequences).\n");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_reward: %s\n", error.what());
    return 1;
  }
  return 0;
}
