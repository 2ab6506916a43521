// The shared training loop (see training_loop.h). run_training_loop reads top to bottom, one
// comment per phase, as STYLE.md asks; bookkeeping (metric averaging, the optimizer report,
// checkpoint names) lives in the small helpers above it.
#include "core/train/training_loop.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/optim/optimizer_state.h"
#include "core/train/grad_clip.h"
#include "core/train/gradient_reducer.h"
#include "core/train/lr_schedule.h"
#include "core/train/quiet_sink.h"

namespace prefstudio {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Sums of the micro-batch means since the last log, kept as tensors (no host sync per step).
class MeanAccumulator {
 public:
  void add(const MicroBatchStats& stats) {
    for (const auto& [name, value] : stats.means) {
      auto found = index_.find(name);
      if (found == index_.end()) {
        index_[name] = sums_.size();
        sums_.emplace_back(name, value.detach().to(torch::kDouble).clone());
      } else {
        sums_[found->second].second += value.detach().to(torch::kDouble);
      }
    }
    ++count_;
  }
  int64_t count() const { return count_; }
  // The current sums by name (one host sync each): a checkpoint checks them before it writes.
  std::vector<std::pair<std::string, double>> peek() const {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [name, sum] : sums_) out.emplace_back(name, sum.item<double>());
    return out;
  }
  // The means as doubles; one host sync per metric (called only when logging).
  std::vector<std::pair<std::string, double>> take() {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [name, sum] : sums_)
      out.emplace_back(name, sum.item<double>() / double(std::max<int64_t>(1, count_)));
    sums_.clear();
    index_.clear();
    count_ = 0;
    return out;
  }

 private:
  std::vector<std::pair<std::string, torch::Tensor>> sums_;
  std::map<std::string, size_t> index_;
  int64_t count_ = 0;
};

// Optimizer memory beside AdamW's for the same parameters (the GUI's memory meter), and one event
// per GaLore projector refresh since the last report (the marks on the loss curve).
class OptimizerReporter {
 public:
  void add(const torch::optim::Optimizer& optimizer, const NamedParameters& named,
           std::vector<std::pair<std::string, double>>& values, MetricsSink& sink) {
    OptimizerStateReport report = report_optimizer_state(optimizer, named);
    values.emplace_back("optimizer_state_bytes", double(report.state_bytes));
    values.emplace_back("optimizer_state_bytes_adamw", double(report.adamw_bytes));
    for (int64_t refresh : report.refresh_steps) {
      if (refresh <= last_refresh_) continue;
      sink.on_event(refresh, "projector_refresh", "GaLore projectors refreshed from the gradient");
      last_refresh_ = refresh;
    }
  }

 private:
  int64_t last_refresh_ = 0;
};

std::string step_folder_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof(name), "step-%06lld", static_cast<long long>(step));
  return name;
}

// A NaN or infinite training metric stops the run naming the step and the metric: the last good
// checkpoint stays as it was, nothing is written from the broken weights.
void check_finite(const std::vector<std::pair<std::string, double>>& values, int64_t step,
                  const std::string& trainer) {
  for (const auto& [name, value] : values)
    if (!std::isfinite(value))
      throw CoreError(trainer + ": " + name + " is " + std::to_string(value) + " at step " +
                      std::to_string(step) + "; the run stops, the last checkpoint is untouched");
}

// One optimizer of the run with the tensors it clips and where its state is saved.
struct OptimizedSet {
  std::string name;          // "" for the client's parameters(), else the extra set's name
  std::vector<torch::Tensor> parameters;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  double base_lr = 0.0;      // its configured lr; the schedule scales it
  std::string state_file() const {
    return name.empty() ? kOptimizerStateFileName : "optimizer-" + name + ".pt";
  }
};

OptimizedSet make_optimized_set(std::string name, const NamedParameters& named,
                                const OptimizerConfig& config) {
  OptimizedSet set;
  set.name = std::move(name);
  for (const auto& item : named) set.parameters.push_back(item.second);
  set.optimizer = make_optimizer(config, named);
  set.base_lr = config.lr;
  return set;
}

// Named values summed over the ranks (each rank's are its shares of the global value). Every
// rank holds the same names in the same order, since each runs the same client on the same step.
std::vector<std::pair<std::string, double>> summed_over_ranks(
    std::vector<std::pair<std::string, double>> values, Collective& collective) {
  if (collective.world_size() == 1 || values.empty()) return values;
  std::vector<double> numbers;
  for (const auto& item : values) numbers.push_back(item.second);
  std::vector<torch::Tensor> buffer{torch::tensor(numbers, torch::kDouble)};
  collective.all_reduce_sum(buffer);
  for (size_t i = 0; i < values.size(); ++i) values[i].second = buffer[0][i].item<double>();
  return values;
}

// The gradients of every optimized set summed over the ranks, as one bucket. A rank may hold no
// gradient where another does (its share of an RL minibatch was empty, so it ran no backward):
// the ranks first agree on which parameters have one, and a rank without it adds zeros. A
// parameter no rank has a gradient for is left out, as the optimizer leaves it in one process.
void sum_gradients_over_ranks(const std::vector<OptimizedSet>& sets, Collective& collective) {
  std::vector<torch::Tensor> parameters;
  for (const OptimizedSet& set : sets)
    for (const torch::Tensor& parameter : set.parameters) parameters.push_back(parameter);
  auto has_gradient = torch::zeros({static_cast<int64_t>(parameters.size())}, torch::kFloat);
  for (size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].grad().defined()) has_gradient[static_cast<int64_t>(i)] = 1.0f;
  std::vector<torch::Tensor> votes{has_gradient};
  collective.all_reduce_sum(votes);
  const auto any_rank = votes[0].accessor<float, 1>();
  std::vector<torch::Tensor> gradients;
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (any_rank[static_cast<int64_t>(i)] == 0.0f) continue;
    torch::Tensor& parameter = parameters[i];
    if (!parameter.grad().defined()) parameter.mutable_grad() = torch::zeros_like(parameter);
    gradients.push_back(parameter.grad());
  }
  collective.all_reduce_sum(gradients);
}

// The gradient bucket size of a data-parallel run: PREFSTUDIO_DP_BUCKET_MB (MiB, default 25 as
// PyTorch's DDP); 0 sums every gradient in one bucket after backward instead.
int64_t gradient_bucket_bytes() {
  const char* text = std::getenv("PREFSTUDIO_DP_BUCKET_MB");
  if (text == nullptr || *text == '\0') return 25LL << 20;
  char* end = nullptr;
  const double mib = std::strtod(text, &end);
  if (*end != '\0' || !(mib >= 0))
    throw ConfigError(std::string("PREFSTUDIO_DP_BUCKET_MB: '") + text +
                      "' is not a size in MiB (0 = one bucket after backward)");
  return static_cast<int64_t>(mib * double(1 << 20));
}

// Every rank starts from rank 0's weights (a fresh head's random init, or a checkpoint only rank
// 0 could read).
void broadcast_parameters(const std::vector<OptimizedSet>& sets, Collective& collective) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> weights;
  for (const OptimizedSet& set : sets)
    for (const torch::Tensor& parameter : set.parameters) weights.push_back(parameter.detach());
  collective.broadcast(weights, 0);
}

// What every rank must agree on after each step: whether any micro-batch wants the update, and
// whether any rank was asked to stop or ran out of time.
struct StepVotes {
  bool update = false;
  bool stop = false;
  bool time_up = false;
};

StepVotes vote(StepVotes mine, Collective& collective) {
  if (collective.world_size() == 1) return mine;
  std::vector<torch::Tensor> votes{
      torch::tensor({double(mine.update), double(mine.stop), double(mine.time_up)}, torch::kDouble)};
  collective.all_reduce_sum(votes);
  return {votes[0][0].item<double>() > 0, votes[0][1].item<double>() > 0,
          votes[0][2].item<double>() > 0};
}

}  // namespace

NamedParameters named_parameters_of(torch::nn::Module& module) {
  NamedParameters named;
  for (const auto& item : module.named_parameters()) named.emplace_back(item.key(), item.value());
  return named;
}

std::string save_model_checkpoint(const std::string& dir, LoadedModel& loaded, int64_t run_id,
                                  int64_t step, const std::string& kind) {
  CheckpointManifest manifest;
  manifest.run_id = run_id;
  manifest.step = step;
  manifest.kind = kind;
  return save_checkpoint(dir, loaded.model, *loaded.tokenizer, manifest).content_hash;
}

double metric_value(const std::vector<std::pair<std::string, double>>& values,
                    const std::string& name) {
  for (const auto& [key, value] : values)
    if (key == name) return value;
  return std::numeric_limits<double>::quiet_NaN();
}

LoopResult run_training_loop(LoopClient& client, const LoopConfig& config, int64_t start_step,
                             const torch::Device& device, MetricsSink& sink,
                             const std::atomic<bool>& stop_requested) {
  auto one_process = make_single_process_collective();
  return run_training_loop(client, config, start_step, device, sink, stop_requested, *one_process);
}

LoopResult run_training_loop(LoopClient& client, const LoopConfig& config, int64_t start_step,
                             const torch::Device& device, MetricsSink& rank_sink,
                             const std::atomic<bool>& stop_requested, Collective& collective) {
  const auto started = Clock::now();
  // Data parallel: only rank 0 writes; every rank computes the same steps.
  const bool parallel = collective.world_size() > 1;
  if (parallel && !client.shards_its_batches())
    throw ConfigError(config.name + ": this trainer does not run data-parallel yet (WORLD_SIZE=" +
                      std::to_string(collective.world_size()) + "); run it as one process");
  QuietSink quiet;
  MetricsSink& sink = collective.rank() == 0 ? rank_sink : quiet;
  // The optimizers from the one factory (the client's parameters first, then any extra set with
  // its own); a resumed run continues their moments and projectors.
  const NamedParameters named = client.parameters();
  std::vector<OptimizedSet> sets;
  sets.push_back(make_optimized_set("", named, config.optimizer));
  for (const ExtraParameters& extra : client.extra_parameters())
    sets.push_back(make_optimized_set(extra.name, extra.parameters, extra.optimizer));
  torch::optim::Optimizer& optimizer = *sets.front().optimizer;
  if (!config.resume_from.empty()) {
    for (const OptimizedSet& set : sets)
      load_optimizer_state(*set.optimizer,
                           (std::filesystem::path(config.resume_from) / set.state_file()).string(),
                           device);
    sink.on_event(start_step, "resumed",
                  "resumed from " + config.resume_from + " at step " + std::to_string(start_step));
  }
  if (parallel) broadcast_parameters(sets, collective);
  // Data parallel: gradients summed in buckets while backward runs, unless the buckets are off.
  std::optional<GradientReducer> reducer;
  if (const int64_t bucket_bytes = parallel ? gradient_bucket_bytes() : 0; bucket_bytes > 0) {
    std::vector<torch::Tensor> parameters;
    for (const OptimizedSet& set : sets)
      parameters.insert(parameters.end(), set.parameters.begin(), set.parameters.end());
    reducer.emplace(parameters, collective, bucket_bytes);
  }
  // A checkpoint is the client's models and every optimizer's state (moments, GaLore projectors,
  // steps), so that resume_from continues exactly. All of it is written into a staging folder and
  // renamed into place at once: a kill mid-way leaves the previous checkpoint, never a folder
  // with weights and no optimizer state.
  auto save = [&](const std::string& name, int64_t step) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(config.output_dir) / name;
    if (collective.rank() != 0) return std::make_pair(dir.string(), std::string());
    const fs::path staging = fs::path(config.output_dir) / ("." + name + ".partial");
    fs::remove_all(staging);
    fs::create_directories(staging);
    const std::string hash = client.save_model(staging.string(), step);
    for (const OptimizedSet& set : sets)
      save_optimizer_state(*set.optimizer, (staging / set.state_file()).string());
    replace_folder_durably(staging.string(), dir.string());
    sink.on_checkpoint(step, dir.string(), hash);
    return std::make_pair(dir.string(), hash);
  };

  LrSchedule schedule{config.optimizer.lr, config.optimizer.lr * config.min_lr_ratio,
                      config.warmup_steps, config.steps};
  LoopResult result;
  MeanAccumulator means;
  OptimizerReporter reporter;
  int64_t tokens_since_log = 0, step = start_step;
  double reduce_seconds = 0.0;  // in the gradient sum and the vote since the last log
  client.skip_micro_batches(start_step * config.grad_accum);
  auto log_started = Clock::now();
  while (step < config.steps) {
    // Learning rate: warm-up then cosine; a time-boxed run follows the clock when it is ahead.
    int64_t schedule_step = step;
    if (config.max_seconds > 0)
      schedule_step = std::max<int64_t>(
          step, static_cast<int64_t>(seconds_since(started) / config.max_seconds * config.steps));
    const double lr = schedule.at(schedule_step);
    for (OptimizedSet& set : sets)
      set_learning_rate(*set.optimizer,
                        config.optimizer.lr > 0 ? set.base_lr * lr / config.optimizer.lr : lr);

    // Periodic evaluation (step 0 included, so the curve starts at the untrained model).
    if (config.eval_every > 0 && step % config.eval_every == 0) {
      auto values = client.evaluate(step, sink);
      if (!values.empty()) {
        sink.on_metrics({step, values});
        result.last_eval = std::move(values);
      }
    }

    // Forward and backward over grad_accum micro-batches; each loss is scaled by 1 / grad_accum so
    // the summed gradient is that of the mean.
    bool skip_update = true;
    for (int64_t micro = 0; micro < config.grad_accum; ++micro) {
      if (reducer && micro == config.grad_accum - 1) reducer->arm();
      MicroBatchStats stats = client.forward_backward(1.0 / double(config.grad_accum));
      skip_update = skip_update && stats.skip_update;
      means.add(stats);
      tokens_since_log += stats.tokens;
    }
    // Data parallel: the ranks' gradients summed (each rank's loss is its share of the whole
    // micro-batch's), and one vote on the update, a stop request and the time box.
    const auto reduce_started = Clock::now();
    if (reducer)
      reducer->finish();
    else if (parallel)
      sum_gradients_over_ranks(sets, collective);
    const StepVotes votes = vote(
        {!skip_update, stop_requested.load(),
         config.max_seconds > 0 && seconds_since(started) >= config.max_seconds},
        collective);
    skip_update = !votes.update;
    // Time in the step's collectives, waiting for the slowest rank included.
    if (parallel) reduce_seconds += seconds_since(reduce_started);

    // Clip the global gradient norm (no host sync: the norm stays a tensor until logged), step
    // and zero_grad; a step whose every micro-batch asked to be skipped only drops its gradients.
    std::vector<torch::Tensor> grad_norms(sets.size(), torch::zeros({}));
    for (size_t i = 0; i < sets.size(); ++i) {
      if (!skip_update) {
        grad_norms[i] = clip_grad_norm(sets[i].parameters, config.clip_norm);  // ()
        sets[i].optimizer->step();
      }
      sets[i].optimizer->zero_grad();
    }
    ++step;

    // Timing and metrics every log_every steps (sync point: logged values are read here).
    if (step % config.log_every == 0 || step == config.steps) {
      const double elapsed = std::max(1e-9, seconds_since(log_started));
      MetricRecord record{step, summed_over_ranks(means.take(), collective)};
      record.values.emplace_back("lr", lr);
      record.values.emplace_back("grad_norm", grad_norms[0].item<double>());
      for (size_t i = 1; i < sets.size(); ++i)
        record.values.emplace_back("grad_norm/" + sets[i].name, grad_norms[i].item<double>());
      const double tokens = metric_value(
          summed_over_ranks({{"tokens", double(tokens_since_log)}}, collective), "tokens");
      record.values.emplace_back("tokens_per_s", tokens / elapsed);
      if (parallel) record.values.emplace_back("dist/allreduce_share", reduce_seconds / elapsed);
      check_finite(record.values, step, config.name);
      reporter.add(optimizer, named, record.values, sink);
      sink.on_metrics(record);
      client.on_logged(step, record.values, sink);
      result.last_train = record.values;
      tokens_since_log = 0;
      reduce_seconds = 0.0;
      log_started = Clock::now();
    }

    // Periodic checkpoint, never from weights a NaN has reached since the last log.
    if (config.checkpoint_every > 0 && step % config.checkpoint_every == 0 && step < config.steps) {
      check_finite(summed_over_ranks(means.peek(), collective), step, config.name);
      save(step_folder_name(step), step);
    }

    // Stop check: Ctrl-C / the GUI's stop button, or the time box.
    // (Read when the gradients were summed, so every rank of a data-parallel run agrees.)
    if (step < config.steps && votes.stop) {
      result.stopped = true;
      break;
    }
    if (step < config.steps && votes.time_up) {
      result.time_limited = true;
      break;
    }
  }

  // Final evaluation, the client's last word and the final checkpoint, also after a stop.
  {
    auto values = client.evaluate(step, sink);
    if (!values.empty()) {
      sink.on_metrics({step, values});
      result.last_eval = std::move(values);
    }
  }
  if (means.count() > 0) {
    auto values = summed_over_ranks(means.take(), collective);
    check_finite(values, step, config.name);
    result.last_train = std::move(values);
  }
  if (result.stopped || result.time_limited)
    sink.on_event(step, result.stopped ? "stopped" : "time_limit",
                  (result.stopped ? "stopped at step " : "time limit reached at step ") +
                      std::to_string(step) + " of " + std::to_string(config.steps));
  client.finish(step, sink);
  std::tie(result.final_dir, result.final_hash) = save("final", step);
  result.steps_done = step;
  result.seconds = seconds_since(started);
  return result;
}

}  // namespace prefstudio
