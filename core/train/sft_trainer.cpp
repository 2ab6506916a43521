// SFT (see sft_trainer.h): data preparation, and a LoopClient that adds the SFT batch and loss to
// the shared training loop (training_loop.h), which does everything else.
#include "core/train/sft_trainer.h"

#include <atomic>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/model/checkpoint.h"
#include "core/train/autocast_guard.h"
#include "core/train/index_cycler.h"
#include "core/train/sft_batch.h"
#include "core/train/trainer_rank.h"
#include "core/train/training_loop.h"

namespace prefstudio {

namespace {

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

// SFT as a client of the shared loop: its batch (response-only labels) and its loss.
class SftClient : public LoopClient {
 public:
  SftClient(const SftConfig& config, LoadedModel loaded, SftData data, int64_t run_id,
            torch::Device device, const Collective& collective)
      : config_(config),
        loaded_(std::move(loaded)),
        data_(std::move(data)),
        run_id_(run_id),
        device_(device),
        pad_id_(loaded_.tokenizer->eos_id()),
        batches_(data_.train.size(), config.batch_size, config.seed + 1),
        rank_(collective.rank()),
        world_size_(collective.world_size()) {
    if (world_size_ > config.batch_size)
      throw ConfigError("sft.batch_size (" + std::to_string(config.batch_size) +
                        ") is the global batch: at least one row per rank, and there are " +
                        std::to_string(world_size_));
    if (world_size_ > 1 && loaded_.config.dropout > 0)
      throw ConfigError("sft: a data-parallel run needs the model's dropout at 0 (it is " +
                        std::to_string(loaded_.config.dropout) +
                        "): each rank's dropout would differ from one process's");
  }

  const SftData& data() const { return data_; }

  NamedParameters parameters() override { return named_parameters_of(*loaded_.model); }

  bool shards_its_batches() const override { return true; }

  // The loss per response token of the micro-batch; under data parallel this rank's rows (every
  // world_size-th of the global micro-batch) summed over the global batch's response tokens.
  MicroBatchStats forward_backward(double loss_scale) override {
    std::vector<const TokenizedExample*> rows;
    int64_t global_response_tokens = 0;
    const std::vector<size_t> drawn = batches_.next();
    for (size_t i = 0; i < drawn.size(); ++i) {
      const TokenizedExample& row = data_.train[drawn[i]];
      global_response_tokens += response_token_count(row);
      if (static_cast<int>(i % world_size_) == rank_) rows.push_back(&row);
    }
    auto batch = make_sft_batch(rows, pad_id_);
    torch::Tensor loss;
    {
      AutocastGuard autocast(device_);
      auto logits = loaded_.model->forward(batch.idx.to(device_));  // (B, T, V)
      loss = sft_loss(logits, batch.labels.to(device_));            // ()
      if (world_size_ > 1)
        loss = loss * (double(batch.response_tokens) / double(global_response_tokens));
    }
    (loss * loss_scale).backward();
    return {{{"loss_train", loss.detach()}}, batch.tokens};
  }

  void skip_micro_batches(int64_t count) override {
    for (int64_t i = 0; i < count; ++i) batches_.next();
  }

  // Mean loss per response token over the first eval_batches validation batches.
  std::vector<std::pair<std::string, double>> evaluate(int64_t step, MetricsSink& sink) override {
    if (data_.val.empty()) return {};
    torch::NoGradGuard no_grad;
    Gpt& model = loaded_.model;
    model->eval();
    auto total = torch::zeros({}, torch::TensorOptions().device(device_));  // ()
    int64_t tokens = 0;
    const auto& val = data_.val;
    const int64_t b = config_.batch_size;
    for (int64_t start = 0, n = 0;
         start < static_cast<int64_t>(val.size()) && n < config_.eval_batches; start += b, ++n) {
      std::vector<const TokenizedExample*> rows;
      for (int64_t i = start; i < std::min<int64_t>(start + b, val.size()); ++i)
        rows.push_back(&val[i]);
      auto batch = make_sft_batch(rows, pad_id_);
      AutocastGuard autocast(device_);
      auto logits = model->forward(batch.idx.to(device_));  // (B, T, V)
      total += sft_loss(logits, batch.labels.to(device_)) * double(batch.response_tokens);
      tokens += batch.response_tokens;
    }
    model->train();
    // sync point: logged
    return {{"loss_val", total.item<double>() / double(std::max<int64_t>(1, tokens))}};
  }

  std::string save_model(const std::string& dir, int64_t step) override {
    return save_model_checkpoint(dir, loaded_, run_id_, step, "lm");
  }

 private:
  const SftConfig& config_;
  LoadedModel loaded_;
  SftData data_;
  int64_t run_id_;
  torch::Device device_;
  int64_t pad_id_;
  IndexCycler batches_;
  int rank_;
  int world_size_;
};

}  // namespace

struct SftTrainer::Impl {
  SftConfig config;
  std::vector<SftExample> examples;
  int64_t run_id = 0;
  std::atomic<bool> stop_requested{false};
  std::shared_ptr<DataParallelGroup> group;  // none: one process
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

void SftTrainer::set_data_parallel(std::shared_ptr<DataParallelGroup> group) {
  impl_->group = std::move(group);
}

SftResult SftTrainer::run(MetricsSink& sink) {
  const TrainerRank rank(impl_->group, impl_->config.resume_from);
  Collective& collective = rank.collective();
  const SftConfig config = rank.with_local_resume(impl_->config);
  // Threads, device and seed; the starting checkpoint; tokenized data.
  init_torch_threads(config.threads);
  const torch::Device device(check_device(config.device, "sft.device"));
  torch::manual_seed(config.seed);
  const bool resume = !config.resume_from.empty();
  LoadedModel loaded = load_checkpoint(resume ? config.resume_from : config.model_dir, device);
  loaded.model->train();
  const int64_t start_step = resume ? loaded.manifest.step : 0;
  SftData data = prepare_data(impl_->examples, *loaded.tokenizer, config);
  if (data.skipped > 0)
    sink.on_event(0, "warning",
                  std::to_string(data.skipped) + " examples skipped: their prompt fills sft.max_length");
  SftClient client(config, std::move(loaded), std::move(data), impl_->run_id, device, collective);

  LoopResult loop = run_training_loop(client, loop_config_from(config, "sft"), start_step, device,
                                      sink, impl_->stop_requested, collective);
  SftResult result;
  result.steps_done = loop.steps_done;
  result.stopped = loop.stopped;
  result.time_limited = loop.time_limited;
  result.final_dir = loop.final_dir;
  result.final_hash = loop.final_hash;
  result.loss_train = metric_value(loop.last_train, "loss_train");
  result.loss_val = metric_value(loop.last_eval, "loss_val");
  result.examples_train = static_cast<int64_t>(client.data().train.size());
  result.examples_val = static_cast<int64_t>(client.data().val.size());
  result.examples_skipped = client.data().skipped;
  result.seconds = loop.seconds;
  return result;
}

}  // namespace prefstudio
