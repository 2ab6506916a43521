// Supervised fine-tuning (InstructGPT step 1): loss on the response tokens of prompt/response
// demonstrations, AdamW (or GaLore through the optimizer factory) with warm-up and cosine decay,
// gradient clipping and accumulation, periodic validation loss and checkpoints. Torch-free public
// header (pimpl). Thread rule: run() runs on the calling thread, which then owns every torch object
// of the run; request_stop() may be called from any thread or a signal handler. Its only output
// is the MetricsSink (metrics, checkpoints, events) and the returned SftResult.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dist/data_parallel_group.h"
#include "core/train/metrics_sink.h"
#include "core/train/sft_config.h"
#include "core/train/sft_example.h"

namespace prefstudio {

struct SftResult {
  int64_t steps_done = 0;     // optimizer steps taken
  bool stopped = false;       // true when request_stop() ended the run early
  bool time_limited = false;  // true when max_seconds ended it before config.steps
  std::string final_dir;      // <output_dir>/final, always written
  std::string final_hash;     // its content hash
  double loss_train = 0.0;    // mean training loss over the last log interval
  double loss_val = 0.0;      // last validation loss; NaN without a validation set
  int64_t examples_train = 0;
  int64_t examples_val = 0;
  int64_t examples_skipped = 0;  // prompts that filled max_length alone
  double seconds = 0.0;
};

class SftTrainer {
 public:
  // `examples` is the whole data set; a seeded validation_fraction of it is held out. `run_id` is
  // written into each checkpoint's manifest (0 = no store). Validates `config` (ConfigError).
  SftTrainer(SftConfig config, std::vector<SftExample> examples, int64_t run_id = 0);
  ~SftTrainer();
  SftTrainer(const SftTrainer&) = delete;
  SftTrainer& operator=(const SftTrainer&) = delete;

  // Trains until config.steps, max_seconds or request_stop(), then writes the final checkpoint.
  // Throws CoreError (FormatError for the starting checkpoint, ConfigError for the config or an
  // empty data set); checkpoints already reported to the sink stay on disk.
  SftResult run(MetricsSink& sink);
  // Asks run() to stop after the current step (and still save the final checkpoint).
  void request_stop();
  // Runs data-parallel in `group` (before run()): every rank of the group constructs the trainer
  // with the same config and examples; each trains on its shard of every batch (sft.batch_size
  // is the global batch), and only rank 0 reports to its sink and writes checkpoints.
  void set_data_parallel(std::shared_ptr<DataParallelGroup> group);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prefstudio
