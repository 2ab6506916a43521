// The one training loop every trainer runs (SFT, reward model, and the policy trainers to come): a
// trainer is a LoopClient that adds its batch and its loss; the loop owns the rest: learning rate
// (warm-up + cosine, following the clock when time-boxed), periodic evaluation, gradient
// accumulation, clipping, the optimizer step (AdamW or GaLore from the one factory), metrics,
// checkpoints with optimizer state, exact resume, stop requests and the time limit.
// Internal header of core (torch). Thread rule: run() runs on the calling thread, which owns every
// torch object of the run; the stop flag may be set from any thread or a signal handler.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/dist/collective.h"
#include "core/model/checkpoint.h"
#include "core/optim/optimizer_config.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/metrics_sink.h"

namespace prefstudio {

// The loop's share of a trainer's config (each trainer's config maps its keys onto this).
struct LoopConfig {
  int64_t steps = 1000;           // optimizer steps
  int64_t grad_accum = 1;         // micro-batches summed per step
  double clip_norm = 1.0;         // global gradient-norm clip; 0 = off
  int64_t warmup_steps = 50;      // linear warm-up, then cosine to min_lr_ratio * lr
  double min_lr_ratio = 0.1;
  int64_t log_every = 10;         // steps between training-metric records
  int64_t eval_every = 100;       // steps between evaluations (step 0 included); 0 = only at end
  int64_t checkpoint_every = 0;   // steps between checkpoints; 0 = only the final one
  double max_seconds = 0;         // time box; 0 = off
  std::string output_dir;         // checkpoints go to <output_dir>/step-NNNNNN and .../final
  std::string resume_from;        // a checkpoint this loop wrote; its optimizer.pt is loaded
  OptimizerConfig optimizer;
  std::string name = "train";     // the trainer's name in messages and events, e.g. "reward"
};

// The loop's keys of a trainer's config, which every trainer config names alike (steps,
// grad_accum, clip_norm, warmup_steps, min_lr_ratio, log_every, eval_every, checkpoint_every,
// max_seconds, output_dir, resume_from, optimizer): one copy for all trainers.
template <typename TrainerConfig>
LoopConfig loop_config_from(const TrainerConfig& config, std::string name) {
  LoopConfig loop;
  loop.steps = config.steps;
  loop.grad_accum = config.grad_accum;
  loop.clip_norm = config.clip_norm;
  loop.warmup_steps = config.warmup_steps;
  loop.min_lr_ratio = config.min_lr_ratio;
  loop.log_every = config.log_every;
  loop.eval_every = config.eval_every;
  loop.checkpoint_every = config.checkpoint_every;
  loop.max_seconds = config.max_seconds;
  loop.output_dir = config.output_dir;
  loop.resume_from = config.resume_from;
  loop.optimizer = config.optimizer;
  loop.name = std::move(name);
  return loop;
}

// What one micro-batch reports: named scalar tensors (detached, on the model's device) that the
// loop averages over the micro-batches of a log interval, e.g. {"loss_train", loss}, and the real
// tokens it held (for tokens/s). No host sync happens until the loop logs.
struct MicroBatchStats {
  std::vector<std::pair<std::string, torch::Tensor>> means;
  int64_t tokens = 0;
  // The client judged this micro-batch unsafe to learn from (e.g. PPO's ratio threshold): when
  // every micro-batch of a step says so, the loop drops the gradients instead of stepping.
  bool skip_update = false;
};

// A further set of parameters a client trains, in the same steps, with an optimizer of its own
// (PPO's critic): clipped apart with the loop's clip_norm, following the loop's schedule scaled to
// its own lr, its state saved beside the first optimizer's as "optimizer-<name>.pt".
struct ExtraParameters {
  std::string name;  // e.g. "value"; names its grad_norm metric and its state file
  NamedParameters parameters;
  OptimizerConfig optimizer;
};

class LoopClient {
 public:
  virtual ~LoopClient() = default;
  // The parameters to optimise, with their names (GaLore's target modules match on names).
  virtual NamedParameters parameters() = 0;
  // Parameters with optimizers of their own (see ExtraParameters); none for most trainers.
  virtual std::vector<ExtraParameters> extra_parameters() { return {}; }
  // Draws the next micro-batch, runs forward and backward of loss * loss_scale (the loop passes
  // 1 / grad_accum so the summed gradient is that of the mean), returns its statistics.
  virtual MicroBatchStats forward_backward(double loss_scale) = 0;
  // A resumed run skips the micro-batches the first run already drew, so it draws what the
  // uninterrupted run would have drawn next.
  virtual void skip_micro_batches(int64_t count) = 0;
  // Held-out metrics at `step` (e.g. {"loss_val", 1.2}); may also send evaluations and events to
  // the sink. Return nothing when there is no validation data.
  virtual std::vector<std::pair<std::string, double>> evaluate(int64_t step, MetricsSink& sink) {
    return {};
  }
  // The training means just logged at `step` (after the loop's own checks), e.g. for a trainer's
  // warnings about trends.
  virtual void on_logged(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                         MetricsSink& sink) {}
  // Whether this client runs data-parallel: on every rank it draws the same global micro-batch,
  // trains on its shard of it, and scales its loss so that the ranks' losses sum to the loss of
  // the whole micro-batch (denominators such as tokens or pairs counted over the global batch);
  // its MicroBatchStats means are such shares too, and the loop sums them over the ranks. A
  // client that does not is refused when the group has more than one process.
  virtual bool shards_its_batches() const { return false; }
  // Called once before the final checkpoint is written (e.g. the reward model's offset).
  virtual void finish(int64_t step, MetricsSink& sink) {}
  // Writes the model into checkpoint folder `dir` (created or replaced whole; a client with more
  // than one model may write them as subfolders) and returns the content hash of the weights the
  // checkpoint is known by. The loop adds the optimizer states beside them.
  virtual std::string save_model(const std::string& dir, int64_t step) = 0;
};

struct LoopResult {
  int64_t steps_done = 0;
  bool stopped = false;        // the stop flag ended the run early
  bool time_limited = false;   // max_seconds ended it early
  std::string final_dir;       // <output_dir>/final, always written
  std::string final_hash;
  std::vector<std::pair<std::string, double>> last_train;  // the last logged training means
  std::vector<std::pair<std::string, double>> last_eval;   // the last evaluation
  double seconds = 0.0;
};

// Runs `client` for config.steps from `start_step` (> 0 when the client resumed from
// config.resume_from; the loop then loads that folder's optimizer state). Throws CoreError on
// failure; checkpoints already reported to the sink stay on disk.
// Data parallel (`collective` of more than one process): every rank starts from rank 0's weights,
// the gradients are summed over the ranks before clipping and the optimizer step (so GaLore's
// projectors come from the same gradient everywhere), stop requests and the time box of any rank
// stop them all after the same step, and only rank 0 writes to the sink and saves checkpoints.
LoopResult run_training_loop(LoopClient& client, const LoopConfig& config, int64_t start_step,
                             const torch::Device& device, MetricsSink& sink,
                             const std::atomic<bool>& stop_requested, Collective& collective);
// The same in one process.
LoopResult run_training_loop(LoopClient& client, const LoopConfig& config, int64_t start_step,
                             const torch::Device& device, MetricsSink& sink,
                             const std::atomic<bool>& stop_requested);

// A model's parameters with their names, as LoopClient::parameters() returns them.
NamedParameters named_parameters_of(torch::nn::Module& module);

// LoopClient::save_model for a trainer whose model is a plain checkpoint (SFT's lm, the policy
// trainers' policy): the folder with a manifest of `kind`, run and step; returns the content hash.
std::string save_model_checkpoint(const std::string& dir, LoadedModel& loaded, int64_t run_id,
                                  int64_t step, const std::string& kind);

// The value of a named entry, NaN when absent.
double metric_value(const std::vector<std::pair<std::string, double>>& values,
                    const std::string& name);

}  // namespace prefstudio
