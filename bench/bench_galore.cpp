// Benchmark: GaLore-AdamW (rank d_model/4), also with per-layer updates, against AdamW on our GPT-2
// at ~10M and ~124M parameters, in one run: optimizer-state bytes (all parameters, and the
// projected matrices alone), peak RSS, median step time, the SVD refresh cost (measured apart:
// the projectors' refresh() alone on the real shapes, and what refresh steps add to a step; the
// gaps are short enough for several refreshes after the first step's warm-up), and the loss after
// the same number of steps on learnable synthetic text (the demo task's "Sort: ..." lines as
// bytes), over several seeds (model init and batches). Each (model, optimizer, seed) trains in its
// own child process so its peak RSS is its own; the seeds of AdamW and GaLore run interleaved,
// GaLore with per-layer updates once (seed 0). The CLI's OMP_WAIT_POLICY=PASSIVE throughout.
// `bench_galore [--only 10m|124m] [--seeds N] [--steps-10m N] [--steps-124m N] [--gap-10m G]
//               [--gap-124m G] [--batch-10m B] [--batch-124m B] [--seq T] [--threads N] [--lr L]
//               [--lr-galore L] [--scale S]`
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "core/common/runtime.h"
#include "core/model/gpt.h"
#include "core/optim/galore_adamw.h"
#include "core/optim/galore_projector.h"
#include "core/optim/optimizer_factory.h"
#include "core/optim/optimizer_state.h"
#include "core/optim/per_layer_updates.h"
#include "core/train/demo_task.h"

namespace prefstudio {
namespace {

using namespace bench;

struct BenchSettings {
  // Sequences per step. GaLore's projections cost ~4mnr flops per matrix whatever the batch, the
  // forward and backward ~6mn per token: at few tokens a step the projections dominate, so the
  // overhead falls with B*T. 124M on 2 shared CPU cores has to stay small.
  std::map<std::string, int64_t> batch = {{"10m", 8}, {"124m", 2}};
  int64_t seq = 128;        // tokens per sequence
  int threads = 1;          // LibTorch threads; 1: on a loaded 2-core machine 2 threads spin
  double lr = 1e-3;         // AdamW's learning rate (the paper's pre-training AdamW value)
  double lr_galore = 1e-3;  // GaLore's; the paper tunes it separately (0.01 with scale 0.25)
  double scale = 0.25;      // GaLore's alpha, the paper's value
  // Steps and refresh gaps: refreshes at steps 1, 1 + gap, ...; the first pays for warm-up too, so
  // the gap leaves three more inside the run (10m: 16, 31, 46; 124m: 5, 9, 13). 124M steps take
  // seconds each on 2 shared cores, hence its short run; the paper's gap of 200 is printed too.
  std::map<std::string, int64_t> steps = {{"10m", 60}, {"124m", 13}};
  std::map<std::string, int64_t> gap = {{"10m", 15}, {"124m", 4}};
  int seeds = 3;  // AdamW and GaLore from seeds 0..seeds-1; per-layer from seed 0
  int seed = 0;   // a worker's own
  std::vector<std::string> models = {"10m", "124m"};
};

GptConfig model_config(const std::string& name) {
  GptConfig config;  // GPT-2 small (124M) by default
  config.n_positions = 1024;
  if (name == "10m") {  // byte vocabulary, 6 x 384: 10.8M parameters
    config.vocab_size = 257;
    config.n_embd = 384;
    config.n_layer = 6;
    config.n_head = 6;
    config.n_positions = 256;
    config.eos_token_id = 256;
    config.bos_token_id = 256;
    config.tokenizer = "byte";
  }
  return config;
}

// Bytes of the demo task's lines ("Sort: qdbx\nbdqx\n"), as token ids < 256: learnable text.
torch::Tensor demo_text_tokens() {
  std::string text;
  for (const auto& example : demo_examples(40000, 7))
    text += example.prompt + example.response + "\n";
  std::vector<int64_t> ids(text.begin(), text.end());
  for (auto& id : ids) id = static_cast<unsigned char>(id);
  return torch::tensor(ids, torch::kLong);  // (L)
}

// `count` windows of seq + 1 tokens starting at offsets drawn from `seed` within [lo, hi).
torch::Tensor windows(const torch::Tensor& tokens, int64_t count, int64_t seq, int64_t lo,
                      int64_t hi, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  const torch::Tensor starts = at::randint(lo, hi - seq - 1, {count}, generator);  // (count)
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < count; ++i) {
    rows.push_back(tokens.slice(0, starts[i].item<int64_t>(), starts[i].item<int64_t>() + seq + 1));
  }
  return torch::stack(rows);  // (count, seq + 1)
}

torch::Tensor lm_loss(Gpt& model, const torch::Tensor& rows) {
  const torch::Tensor x = rows.slice(1, 0, -1);    // (B, T)
  const torch::Tensor y = rows.slice(1, 1);        // (B, T)
  const torch::Tensor logits = model->forward(x);  // (B, T, V)
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                              y.reshape({-1}));
}

// Median step without a refresh, and what one SVD refresh adds to a step. Step 0 also pays for
// first-touch allocation; it is used for the refresh cost only when no later refresh happened
// (then "refresh_includes_warmup" says so).
nlohmann::json timing_summary(const std::vector<double>& total, const std::vector<double>& opt,
                              const std::vector<bool>& refresh, int64_t gap) {
  std::vector<double> plain_total, plain_opt, refresh_total;
  for (size_t i = 1; i < total.size(); ++i) {
    if (refresh[i]) {
      refresh_total.push_back(total[i]);
    } else {
      plain_total.push_back(total[i]);
      plain_opt.push_back(opt[i]);
    }
  }
  const bool warmup = refresh_total.empty() && refresh[0];
  if (warmup) refresh_total.push_back(total[0]);
  const double median_total = median(plain_total);
  double refresh_extra = 0.0;  // seconds one refresh adds to a step
  if (!refresh_total.empty()) {
    refresh_extra = std::accumulate(refresh_total.begin(), refresh_total.end(), 0.0) /
                        static_cast<double>(refresh_total.size()) -
                    median_total;
  }
  return {{"median_step_s", median_total},
          {"median_opt_step_s", median(plain_opt)},
          {"refresh_extra_s", refresh_extra},
          {"refresh_includes_warmup", warmup},
          {"refreshes_timed", static_cast<int64_t>(refresh_total.size())},
          {"amortised_step_s", median_total + refresh_extra / static_cast<double>(gap)},
          {"amortised_step_gap200_s", median_total + refresh_extra / 200.0}};
}

OptimizerConfig bench_optimizer(const std::string& optimizer_name, const GptConfig& config,
                                const BenchSettings& settings, int64_t gap) {
  const bool adamw = optimizer_name == "adamw";
  OptimizerConfig optim;
  optim.name = adamw ? "adamw" : "galore_adamw";
  optim.weight_decay = 0.1;
  optim.lr = adamw ? settings.lr : settings.lr_galore;
  optim.eps = adamw ? 1e-8 : 1e-6;  // each optimizer's reference default
  optim.galore.rank = config.n_embd / 4;
  optim.galore.update_proj_gap = gap;
  optim.galore.scale = settings.scale;
  return optim;
}

struct TrainLog {
  std::vector<double> total_s;  // forward + backward + step, per step
  std::vector<double> opt_s;    // step + zero_grad alone
  std::vector<double> losses;
  std::vector<bool> refresh;  // whether the step refreshed GaLore's projectors
};

TrainLog train(Gpt& model, torch::optim::Optimizer& optimizer, bool per_layer, bool galore,
               const torch::Tensor& tokens, int64_t split, int64_t steps, int64_t batch,
               int64_t seq, int64_t gap, int seed) {
  TrainLog log;
  using Clock = std::chrono::steady_clock;
  for (int64_t step = 0; step < steps; ++step) {
    const torch::Tensor rows =
        windows(tokens, batch, seq, 0, split, 1000 + step + 100000 * seed);  // (B, T+1)
    const auto start = Clock::now();
    const torch::Tensor loss = lm_loss(model, rows);
    loss.backward();
    const auto backward_done = Clock::now();
    if (!per_layer) {  // with per-layer updates backward() has stepped and freed the gradients
      optimizer.step();
      optimizer.zero_grad();
    }
    const auto done = Clock::now();
    log.total_s.push_back(std::chrono::duration<double>(done - start).count());
    log.opt_s.push_back(std::chrono::duration<double>(done - backward_done).count());
    log.refresh.push_back(galore && step % gap == 0);
    log.losses.push_back(loss.item<double>());  // sync point: logged every step
  }
  return log;
}

// Seconds one refresh of every projector takes on its own: refresh() (the float32 SVD and the
// basis kept) on a random matrix of each projected parameter's shape, median of 3 rounds after
// one untimed round. 0 for an optimizer without projected groups.
double refresh_alone_s(const torch::optim::Optimizer& optimizer) {
  std::vector<std::pair<GaloreProjector, torch::Tensor>> projectors;
  for (const auto& group : optimizer.param_groups()) {
    const auto* options = dynamic_cast<const GaloreAdamWOptions*>(&group.options());
    if (options == nullptr || options->rank() == 0) continue;
    for (const auto& parameter : group.params()) {
      projectors.emplace_back(GaloreProjector(options->rank(), options->proj_type()),
                              torch::randn_like(parameter));  // (m, n), a gradient's shape
    }
  }
  if (projectors.empty()) return 0.0;
  std::vector<double> rounds;
  for (int round = 0; round < 4; ++round) {
    const auto start = Clock::now();
    for (auto& [projector, grad] : projectors) projector.refresh(grad);
    if (round > 0) rounds.push_back(seconds_since(start));
  }
  return median(rounds);
}

// One (model, optimizer, seed) training run in this process; prints one line "RESULT {json}".
// optimizer_name: "adamw", "galore_adamw", or "galore_per_layer" (GaLore whose updates run during
// backward through PerLayerUpdates).
int run_worker(const std::string& model_name, const std::string& optimizer_name,
               const BenchSettings& settings) {
  init_torch_threads(settings.threads);
  const GptConfig config = model_config(model_name);
  const int64_t steps = settings.steps.at(model_name);
  const int64_t gap = settings.gap.at(model_name);
  const int64_t batch = settings.batch.at(model_name);
  torch::manual_seed(1234 + settings.seed);
  Gpt model(config);
  model->train();
  NamedParameters parameters;
  int64_t parameter_count = 0;
  for (const auto& item : model->named_parameters()) {
    parameters.emplace_back(item.key(), item.value());
    parameter_count += item.value().numel();
  }
  const OptimizerConfig optim = bench_optimizer(optimizer_name, config, settings, gap);
  auto optimizer = make_optimizer(optim, parameters);
  const bool per_layer = optimizer_name == "galore_per_layer";
  std::unique_ptr<PerLayerUpdates> hooks;
  if (per_layer) hooks = std::make_unique<PerLayerUpdates>(dynamic_cast<GaloreAdamW&>(*optimizer));

  const torch::Tensor tokens = demo_text_tokens();
  const int64_t split = tokens.size(0) * 9 / 10;  // last tenth held out for the eval loss
  const torch::Tensor eval_rows = windows(tokens, 8, settings.seq, split, tokens.size(0), 99);
  const double rss_before_training = peak_rss_mib();
  const TrainLog log = train(model, *optimizer, per_layer, optim.name == "galore_adamw", tokens,
                             split, steps, batch, settings.seq, gap, settings.seed);
  double eval_loss = 0.0;
  {
    torch::NoGradGuard no_grad;
    eval_loss = lm_loss(model, eval_rows).item<double>();
  }
  const auto report = report_optimizer_state(*optimizer, parameters);
  nlohmann::json result = timing_summary(log.total_s, log.opt_s, log.refresh, gap);
  result["refresh_alone_s"] = refresh_alone_s(*optimizer);
  const size_t tail = std::min<size_t>(5, log.losses.size());
  result.update(
      {{"model", model_name},
       {"optimizer", optimizer_name},
       {"seed", settings.seed},
       {"parameters", parameter_count},
       {"steps", steps},
       {"batch", batch},
       {"seq", settings.seq},
       {"gap", gap},
       {"rank", optim.galore.rank},
       {"threads", torch::get_num_threads()},
       {"state_bytes", report.state_bytes},
       {"adamw_bytes", report.adamw_bytes},
       {"projected_state_bytes", report.projected_state_bytes_expected},
       {"projected_adamw_bytes", report.projected_adamw_bytes},
       {"rss_before_training_mib", rss_before_training},
       {"peak_rss_mib", peak_rss_mib()},
       {"loss_first", log.losses.front()},
       {"loss_train_last5", std::accumulate(log.losses.end() - tail, log.losses.end(), 0.0) / tail},
       {"loss_eval", eval_loss}});
  std::printf("RESULT %s\n", result.dump().c_str());
  return 0;
}

std::string settings_args(const BenchSettings& s) {
  std::string args = " --threads " + std::to_string(s.threads) + " --seq " + std::to_string(s.seq) +
                     " --seed " + std::to_string(s.seed) +
                     " --lr " + std::to_string(s.lr) + " --lr-galore " +
                     std::to_string(s.lr_galore) + " --scale " + std::to_string(s.scale);
  for (const auto& [model, steps] : s.steps)
    args += " --steps-" + model + " " + std::to_string(steps);
  for (const auto& [model, batch] : s.batch)
    args += " --batch-" + model + " " + std::to_string(batch);
  for (const auto& [model, gap] : s.gap) args += " --gap-" + model + " " + std::to_string(gap);
  return args;
}

nlohmann::json run_child(const std::string& self, const std::string& model,
                         const std::string& optimizer, const BenchSettings& settings) {
  const std::string command =
      "'" + self + "' --worker " + model + " " + optimizer + settings_args(settings);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot start " + command);
  char line[65536];
  nlohmann::json result;
  while (std::fgets(line, sizeof line, pipe.get()) != nullptr) {
    const std::string text(line);
    if (text.rfind("RESULT ", 0) == 0) result = nlohmann::json::parse(text.substr(7));
  }
  if (result.is_null()) throw std::runtime_error("worker failed: " + command);
  return result;
}

// One table row: AdamW, GaLore, GaLore with per-layer updates, and the two ratios to AdamW.
void print_row(const std::vector<nlohmann::json>& runs, const char* label, const char* unit,
               int digits, const std::function<double(const nlohmann::json&)>& value) {
  std::printf("  %-36s", label);
  for (const auto& run : runs) std::printf(" %12.*f", digits, value(run));
  const double base = value(runs[0]);
  for (size_t i = 1; i < runs.size(); ++i) {
    std::printf(" %7.3f", base != 0.0 ? value(runs[i]) / base : 0.0);
  }
  std::printf("  %s\n", unit);
}

// One column of the table from one optimizer's seeds: timings and memory the median over seeds,
// losses the mean (with the lowest and highest in "<key>_min" and "<key>_max").
nlohmann::json over_seeds(const std::vector<nlohmann::json>& runs) {
  nlohmann::json column = runs.front();
  for (const char* key : {"median_step_s", "median_opt_step_s", "refresh_extra_s", "refresh_alone_s",
                          "amortised_step_s", "amortised_step_gap200_s", "peak_rss_mib",
                          "rss_before_training_mib"}) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(run[key].get<double>());
    column[key] = median(values);
  }
  for (const std::string key : {"loss_first", "loss_train_last5", "loss_eval"}) {
    double sum = 0.0, low = 1e30, high = -1e30;
    for (const auto& run : runs) {
      const double value = run[key].get<double>();
      sum += value;
      low = std::min(low, value);
      high = std::max(high, value);
    }
    column[key] = sum / static_cast<double>(runs.size());
    column[key + "_min"] = low;
    column[key + "_max"] = high;
  }
  column["seeds_run"] = runs.size();
  return column;
}

// columns: AdamW, GaLore, GaLore+PL over their seeds; adamw and galore: each seed's run, paired.
void print_table(const std::vector<nlohmann::json>& columns,
                 const std::vector<nlohmann::json>& adamw,
                 const std::vector<nlohmann::json>& galore) {
  const nlohmann::json& a = columns[0];
  const nlohmann::json& g = columns[1];
  const double mib = 1024.0 * 1024.0;
  const int64_t steps = g["steps"].get<int64_t>(), gap = g["gap"].get<int64_t>();
  std::string refreshes;
  for (int64_t step = 0; step < steps; step += gap) refreshes += " " + std::to_string(step + 1);
  std::printf(
      "\n%s: %.1fM parameters, B=%ld T=%ld, %ld steps, GaLore rank %ld, gap %ld (refreshes at "
      "steps%s), %ld thread(s), AdamW and GaLore over %zu seeds, GaLore+PL seed 0\n",
      a["model"].get<std::string>().c_str(), a["parameters"].get<double>() / 1e6,
      a["batch"].get<long>(), a["seq"].get<long>(), steps, g["rank"].get<long>(), gap, refreshes.c_str(),
      g["threads"].get<long>(), adamw.size());
  std::printf("  %-36s %12s %12s %12s %7s %7s\n", "", "AdamW", "GaLore", "GaLore+PL", "G/A",
              "PL/A");
  auto field = [](const char* key, double factor) {
    return [key, factor](const nlohmann::json& run) { return run[key].get<double>() * factor; };
  };
  print_row(columns, "optimizer state, all params", "MiB", 1, field("state_bytes", 1.0 / mib));
  print_row(columns, "  projected matrices (2mn | mr+2nr)", "MiB", 1, [&](const nlohmann::json& run) {
    const char* key =
        run["optimizer"] == "adamw" ? "projected_adamw_bytes" : "projected_state_bytes";
    return g[key].get<double>() / mib;  // AdamW's column: what AdamW holds for the same matrices
  });
  print_row(columns, "peak RSS", "MiB", 0, field("peak_rss_mib", 1.0));
  print_row(columns, "peak RSS - RSS before training", "MiB", 0, [](const nlohmann::json& run) {
    return run["peak_rss_mib"].get<double>() - run["rss_before_training_mib"].get<double>();
  });
  print_row(columns, "median step, no refresh", "ms (median over seeds)", 1,
            field("median_step_s", 1e3));
  print_row(columns, "  of which optimizer.step()", "ms (PL: inside backward)", 1,
            field("median_opt_step_s", 1e3));
  print_row(columns, "one refresh, all projectors alone", "ms (SVDs on the real shapes)", 1,
            field("refresh_alone_s", 1e3));
  char unit[96];
  std::snprintf(unit, sizeof unit, "ms (%s refresh steps after step 1: mean - median step)",
                g["refresh_includes_warmup"].get<bool>()
                    ? "no"
                    : std::to_string(g["refreshes_timed"].get<int64_t>()).c_str());
  print_row(columns, "extra time of a refresh step", unit, 1, field("refresh_extra_s", 1e3));
  print_row(columns, "step amortised over this run's gap", "ms", 1, field("amortised_step_s", 1e3));
  print_row(columns, "step amortised over gap 200", "ms", 1, field("amortised_step_gap200_s", 1e3));
  print_row(columns, "loss at step 1", "nats (mean over seeds)", 4, field("loss_first", 1.0));
  print_row(columns, "train loss, mean of last 5 steps", "nats (mean over seeds)", 4,
            field("loss_train_last5", 1.0));
  print_row(columns, "held-out loss after the last step", "nats (mean over seeds)", 4,
            field("loss_eval", 1.0));
  std::printf("  held-out loss by seed, AdamW / GaLore:");
  double worst = -1e30, best = 1e30;
  for (size_t i = 0; i < adamw.size(); ++i) {
    const double x = adamw[i]["loss_eval"].get<double>(), y = galore[i]["loss_eval"].get<double>();
    std::printf("  %zu: %.4f / %.4f", i, x, y);
    worst = std::max(worst, y - x);
    best = std::min(best, y - x);
  }
  std::printf("\n  GaLore - AdamW held-out loss per seed: %+.4f to %+.4f nats\n", best, worst);
}

BenchSettings parse_settings(int argc, char** argv, int first) {
  BenchSettings s;
  for (int i = first; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key.rfind("--batch-", 0) == 0)
      s.batch[key.substr(8)] = std::stoll(value);
    else if (key == "--threads")
      s.threads = std::stoi(value);
    else if (key == "--seq")
      s.seq = std::stoll(value);
    else if (key == "--lr")
      s.lr = std::stod(value);
    else if (key == "--lr-galore")
      s.lr_galore = std::stod(value);
    else if (key == "--scale")
      s.scale = std::stod(value);
    else if (key.rfind("--steps-", 0) == 0)
      s.steps[key.substr(8)] = std::stoll(value);
    else if (key.rfind("--gap-", 0) == 0)
      s.gap[key.substr(6)] = std::stoll(value);
    else if (key == "--only")
      s.models = {value};
    else if (key == "--seeds")
      s.seeds = std::max(1, std::stoi(value));
    else if (key == "--seed")
      s.seed = std::stoi(value);
    else
      throw std::runtime_error("unknown option " + key);
  }
  return s;
}

}  // namespace
}  // namespace prefstudio

int main(int argc, char** argv) {
  using namespace prefstudio;
  using namespace prefstudio::bench;
  reexec_with_passive_omp_wait(argv);
  try {
    if (argc >= 4 && std::string(argv[1]) == "--worker") {
      return run_worker(argv[2], argv[3], parse_settings(argc, argv, 4));
    }
    BenchSettings settings = parse_settings(argc, argv, 1);
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::printf("bench_galore: %d LibTorch thread(s) in each run, OMP_WAIT_POLICY=%s, %d seed(s)\n",
                settings.threads, omp_wait_policy().c_str(), settings.seeds);
    std::fflush(stdout);
    for (const auto& model : settings.models) {
      std::vector<nlohmann::json> adamw, galore;
      for (int seed = 0; seed < settings.seeds; ++seed) {  // interleaved: load hits both alike
        settings.seed = seed;
        adamw.push_back(run_child(self, model, "adamw", settings));
        galore.push_back(run_child(self, model, "galore_adamw", settings));
      }
      settings.seed = 0;
      const nlohmann::json per_layer = run_child(self, model, "galore_per_layer", settings);
      print_table({over_seeds(adamw), over_seeds(galore), over_seeds({per_layer})}, adamw, galore);
      std::fflush(stdout);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_galore: %s\n", error.what());
    return 1;
  }
  return 0;
}
