// Reward-model training (InstructGPT step 2) on K-wise rankings: each prompt's completions get one
// forward pass each through the model with a scalar head, and every ranking over them adds its
// loss (reward_loss.h); the shared training loop does the rest. At each evaluation the held-out
// rankings are scored and calibrated (reward_calibration.h); after training, an offset makes the
// training prompts' reference completions score 0 on average. Torch-free public header (pimpl).
// Thread rule: run() runs on the calling thread, which owns every torch object of the run;
// request_stop() may be called from any thread or a signal handler.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dist/data_parallel_group.h"
#include "core/train/metrics_sink.h"
#include "core/train/ranking_example.h"
#include "core/train/reward_config.h"

namespace prefstudio {

struct RewardData {
  std::vector<RankingExample> train;       // the training split's rankings
  std::vector<RankingExample> validation;  // held-out prompts' rankings; may be empty
  // The training prompts' consensus rankings: their top completions (ties share the top) set the
  // offset. Empty = the training rankings' own tops.
  std::vector<RankingExample> reference;
};

struct RewardResult {
  int64_t steps_done = 0;
  bool stopped = false;
  bool time_limited = false;
  std::string final_dir;   // <output_dir>/final, always written
  std::string final_hash;
  double loss_train = 0.0;      // means over the last log interval
  double accuracy_train = 0.0;
  double loss_val = 0.0;        // held-out log loss; NaN without validation data
  double accuracy_val = 0.0;    // NaN without validation data
  double ece_val = 0.0;         // NaN without validation data
  double reward_offset = 0.0;
  int64_t prompts_train = 0, rankings_train = 0, pairs_train = 0;
  int64_t prompts_val = 0, pairs_val = 0;
  int64_t completions_skipped = 0;  // longer than max_length allows
  int64_t rankings_dropped = 0;     // no untied pair left after skipping
  int64_t steps_planned = 0;
  double seconds = 0.0;
};

class RewardTrainer {
 public:
  // Validates `config` (ConfigError). `run_id` goes into each checkpoint's manifest.
  RewardTrainer(RewardConfig config, RewardData data, int64_t run_id = 0);
  ~RewardTrainer();
  RewardTrainer(const RewardTrainer&) = delete;
  RewardTrainer& operator=(const RewardTrainer&) = delete;

  // Trains, then writes <output_dir>/final. Throws ConfigError for no training pair, FormatError
  // for an unreadable checkpoint, CoreError for a NaN loss (naming step and metric).
  RewardResult run(MetricsSink& sink);
  void request_stop();
  // Runs data-parallel in `group` (before run()): every rank constructs the trainer with the same
  // config and data; each scores its share of every batch's prompts (reward.batch_prompts is the
  // global batch), and only rank 0 reports to its sink and writes checkpoints.
  void set_data_parallel(std::shared_ptr<DataParallelGroup> group);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prefstudio
