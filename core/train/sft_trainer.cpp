// The SFT loop (see sft_trainer.h). Data preparation and evaluation are helpers; the loop itself
// reads top to bottom, one comment per phase, as STYLE.md asks.
#include "core/train/sft_trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/optim/optimizer_factory.h"
#include "core/optim/optimizer_state.h"
#include "core/train/autocast_guard.h"
#include "core/train/grad_clip.h"
#include "core/train/lr_schedule.h"
#include "core/train/sft_batch.h"

namespace prefstudio {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Training and validation rows, tokenized once.
struct SftData {
  std::vector<TokenizedExample> train;
  std::vector<TokenizedExample> val;
  int64_t skipped = 0;
};

SftData prepare_data(const std::vector<SftExample>& examples, const Tokenizer& tokenizer,
                     const SftConfig& config) {
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(config.seed);
  std::shuffle(order.begin(), order.end(), rng);
  int64_t n_val = static_cast<int64_t>(config.validation_fraction * examples.size());
  if (config.validation_fraction > 0 && n_val == 0 && examples.size() >= 2) n_val = 1;
  SftData data;
  for (size_t i = 0; i < order.size(); ++i) {
    auto row = tokenize_example(examples[order[i]], tokenizer, config.max_length);
    if (row.prompt_length + 1 >= static_cast<int64_t>(row.ids.size())) {
      ++data.skipped;  // the prompt alone fills max_length: nothing left to learn from
      continue;
    }
    (static_cast<int64_t>(i) < n_val ? data.val : data.train).push_back(std::move(row));
  }
  if (data.train.empty())
    throw ConfigError("sft: no training examples (" + std::to_string(examples.size()) + " given, " +
                      std::to_string(data.skipped) + " longer than sft.max_length)");
  return data;
}

// Endless micro-batches over the training rows, reshuffled every epoch.
class BatchCycler {
 public:
  BatchCycler(const std::vector<TokenizedExample>& rows, int64_t batch_size, uint64_t seed)
      : rows_(rows), batch_size_(batch_size), rng_(seed), order_(rows.size()) {
    std::iota(order_.begin(), order_.end(), 0);
    std::shuffle(order_.begin(), order_.end(), rng_);
  }
  std::vector<const TokenizedExample*> next() {
    std::vector<const TokenizedExample*> batch;
    while (static_cast<int64_t>(batch.size()) < batch_size_) {
      if (cursor_ == order_.size()) {
        std::shuffle(order_.begin(), order_.end(), rng_);
        cursor_ = 0;
      }
      batch.push_back(&rows_[order_[cursor_++]]);
    }
    return batch;
  }

 private:
  const std::vector<TokenizedExample>& rows_;
  int64_t batch_size_;
  std::mt19937_64 rng_;
  std::vector<size_t> order_;
  size_t cursor_ = 0;
};

}  // namespace

// Everything one run holds while it trains; built by Impl::open_session.
struct SftSession {
  torch::Device device{torch::kCPU};
  LoadedModel loaded;
  SftData data;
  std::vector<torch::Tensor> parameters;
  NamedParameters named;  // as make_optimizer got them: names for the state report
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  int64_t pad_id = 0;
  int64_t start_step = 0;  // > 0 when resumed
};

struct SftTrainer::Impl {
  SftConfig config;
  std::vector<SftExample> examples;
  int64_t run_id = 0;
  std::atomic<bool> stop_requested{false};

  // Threads, device and seed; the starting checkpoint; tokenized data; the optimizer.
  SftSession open_session(MetricsSink& sink) {
    init_torch_threads(config.threads);
    SftSession session;
    session.device = torch::Device(check_device(config.device, "sft.device"));
    torch::manual_seed(config.seed);
    const bool resume = !config.resume_from.empty();
    session.loaded = load_checkpoint(resume ? config.resume_from : config.model_dir, session.device);
    session.loaded.model->train();
    session.pad_id = session.loaded.tokenizer->eos_id();
    session.data = prepare_data(examples, *session.loaded.tokenizer, config);
    if (session.data.skipped > 0)
      sink.on_event(0, "warning",
                    std::to_string(session.data.skipped) +
                        " examples skipped: their prompt fills sft.max_length");
    NamedParameters named;
    for (const auto& item : session.loaded.model->named_parameters()) {
      named.emplace_back(item.key(), item.value());
      session.parameters.push_back(item.value());
    }
    session.optimizer = make_optimizer(config.optimizer, named);
    session.named = named;
    if (resume) {
      const auto path = std::filesystem::path(config.resume_from) / kOptimizerStateFileName;
      load_optimizer_state(*session.optimizer, path.string(), session.device);
      session.start_step = session.loaded.manifest.step;
      sink.on_event(session.start_step, "resumed",
                    "resumed from " + config.resume_from + " at step " +
                        std::to_string(session.start_step));
    }
    return session;
  }

  // Mean loss per response token over the first eval_batches validation batches.
  double evaluate(SftSession& session) {
    torch::NoGradGuard no_grad;
    Gpt& model = session.loaded.model;
    model->eval();
    auto total = torch::zeros({}, torch::TensorOptions().device(session.device));  // ()
    int64_t tokens = 0;
    const auto& val = session.data.val;
    const int64_t b = config.batch_size;
    for (int64_t start = 0, n = 0;
         start < static_cast<int64_t>(val.size()) && n < config.eval_batches; start += b, ++n) {
      std::vector<const TokenizedExample*> rows;
      for (int64_t i = start; i < std::min<int64_t>(start + b, val.size()); ++i)
        rows.push_back(&val[i]);
      auto batch = make_sft_batch(rows, session.pad_id);
      AutocastGuard autocast(session.device);
      auto logits = model->forward(batch.idx.to(session.device));  // (B, T, V)
      total += sft_loss(logits, batch.labels.to(session.device)) * double(batch.response_tokens);
      tokens += batch.response_tokens;
    }
    model->train();
    return total.item<double>() / double(std::max<int64_t>(1, tokens));  // sync point: logged
  }

  // Optimizer memory beside AdamW's for the same parameters (the GUI's memory meter), and one event
  // per GaLore projector refresh since the last report (the marks on the loss curve).
  int64_t last_refresh_reported = 0;
  void add_optimizer_report(SftSession& session, MetricRecord& record, MetricsSink& sink) {
    OptimizerStateReport report = report_optimizer_state(*session.optimizer, session.named);
    record.values.emplace_back("optimizer_state_bytes", double(report.state_bytes));
    record.values.emplace_back("optimizer_state_bytes_adamw", double(report.adamw_bytes));
    for (int64_t refresh : report.refresh_steps) {
      if (refresh <= last_refresh_reported) continue;
      sink.on_event(refresh, "projector_refresh", "GaLore projectors refreshed from the gradient");
      last_refresh_reported = refresh;
    }
  }

  // Writes <output_dir>/<name> and reports it to the sink; returns the folder, sets *hash.
  std::string save(SftSession& session, const std::string& name, int64_t step, MetricsSink& sink,
                   std::string* hash = nullptr) {
    const std::string dir = (std::filesystem::path(config.output_dir) / name).string();
    CheckpointManifest manifest;
    manifest.run_id = run_id;
    manifest.step = step;
    manifest.kind = "lm";
    manifest = save_checkpoint(dir, session.loaded.model, *session.loaded.tokenizer, manifest);
    // Beside the weights, so resume_from continues exactly (moments, GaLore projectors, steps).
    save_optimizer_state(*session.optimizer,
                         (std::filesystem::path(dir) / kOptimizerStateFileName).string());
    sink.on_checkpoint(step, dir, manifest.content_hash);
    if (hash) *hash = manifest.content_hash;
    return dir;
  }
};

SftTrainer::SftTrainer(SftConfig config, std::vector<SftExample> examples, int64_t run_id)
    : impl_(std::make_unique<Impl>()) {
  config.validate();
  impl_->config = std::move(config);
  impl_->examples = std::move(examples);
  impl_->run_id = run_id;
}

SftTrainer::~SftTrainer() = default;

void SftTrainer::request_stop() { impl_->stop_requested.store(true); }

SftResult SftTrainer::run(MetricsSink& sink) {
  // The loop is long on purpose: every phase of a step in order, as STYLE.md asks.
  Impl& s = *impl_;
  const SftConfig& config = s.config;
  const auto started = Clock::now();
  SftSession session = s.open_session(sink);
  Gpt& model = session.loaded.model;
  LrSchedule schedule{config.optimizer.lr, config.optimizer.lr * config.min_lr_ratio,
                      config.warmup_steps, config.steps};
  BatchCycler batches(session.data.train, config.batch_size, config.seed + 1);
  SftResult result;
  result.examples_train = static_cast<int64_t>(session.data.train.size());
  result.examples_val = static_cast<int64_t>(session.data.val.size());
  result.examples_skipped = session.data.skipped;
  result.loss_val = std::numeric_limits<double>::quiet_NaN();
  const bool has_val = !session.data.val.empty();
  auto loss_sum = torch::zeros({}, torch::TensorOptions().device(session.device));  // ()
  int64_t loss_count = 0, tokens_since_log = 0, step = session.start_step;
  // A resumed run draws the batches the first run would have drawn next.
  for (int64_t i = 0; i < session.start_step * config.grad_accum; ++i) batches.next();
  auto log_started = Clock::now();
  while (step < config.steps) {
    // Learning rate: warm-up then cosine; a time-boxed run follows the clock when it is ahead.
    int64_t schedule_step = step;
    if (config.max_seconds > 0)
      schedule_step = std::max<int64_t>(
          step, static_cast<int64_t>(seconds_since(started) / config.max_seconds * config.steps));
    const double lr = schedule.at(schedule_step);
    set_learning_rate(*session.optimizer, lr);

    // Periodic validation (step 0 included, so the curve starts at the untrained model).
    if (has_val && config.eval_every > 0 && step % config.eval_every == 0) {
      result.loss_val = s.evaluate(session);
      sink.on_metrics({step, {{"loss_val", result.loss_val}}});
    }

    // Forward and backward over grad_accum micro-batches; each loss is divided by grad_accum so
    // the summed gradient is that of the mean.
    for (int64_t micro = 0; micro < config.grad_accum; ++micro) {
      auto batch = make_sft_batch(batches.next(), session.pad_id);
      torch::Tensor loss;
      {
        AutocastGuard autocast(session.device);
        auto logits = model->forward(batch.idx.to(session.device));  // (B, T, V)
        loss = sft_loss(logits, batch.labels.to(session.device));    // ()
      }
      (loss / double(config.grad_accum)).backward();
      loss_sum += loss.detach();
      ++loss_count;
      tokens_since_log += batch.tokens;
    }

    // Clip the global gradient norm (no host sync: the norm stays a tensor until logged).
    auto grad_norm = clip_grad_norm(session.parameters, config.clip_norm);  // ()

    // Step and zero_grad.
    session.optimizer->step();
    session.optimizer->zero_grad();
    ++step;

    // Timing and metrics every log_every steps.
    if (step % config.log_every == 0 || step == config.steps) {
      const double elapsed = std::max(1e-9, seconds_since(log_started));
      result.loss_train = loss_sum.item<double>() / double(loss_count);  // sync point: logged
      MetricRecord record{step,
                          {{"loss_train", result.loss_train},
                           {"lr", lr},
                           {"grad_norm", grad_norm.item<double>()},  // sync point: logged
                           {"tokens_per_s", double(tokens_since_log) / elapsed}}};
      s.add_optimizer_report(session, record, sink);
      sink.on_metrics(record);
      loss_sum.zero_();
      loss_count = tokens_since_log = 0;
      log_started = Clock::now();
    }

    // Periodic checkpoint.
    if (config.checkpoint_every > 0 && step % config.checkpoint_every == 0 && step < config.steps) {
      char name[32];
      std::snprintf(name, sizeof(name), "step-%06lld", static_cast<long long>(step));
      s.save(session, name, step, sink);
    }

    // Stop check: Ctrl-C / the GUI's stop button, or the time box.
    if (step < config.steps && s.stop_requested.load()) {
      result.stopped = true;
      break;
    }
    if (step < config.steps && config.max_seconds > 0 &&
        seconds_since(started) >= config.max_seconds) {
      result.time_limited = true;
      break;
    }
  }

  // Final validation and checkpoint, also after a stop.
  if (has_val) {
    result.loss_val = s.evaluate(session);
    sink.on_metrics({step, {{"loss_val", result.loss_val}}});
  }
  if (loss_count > 0) result.loss_train = loss_sum.item<double>() / double(loss_count);
  if (result.stopped || result.time_limited)
    sink.on_event(step, result.stopped ? "stopped" : "time_limit",
                  (result.stopped ? "stopped at step " : "time limit reached at step ") +
                      std::to_string(step) + " of " + std::to_string(config.steps));
  result.final_dir = s.save(session, "final", step, sink, &result.final_hash);
  result.steps_done = step;
  result.seconds = seconds_since(started);
  return result;
}

}  // namespace prefstudio
