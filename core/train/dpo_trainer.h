// DPO and its family (dpo_loss.h) on the labelers' K-wise rankings: each prompt's K completions go
// through the policy once per step and every untied pair of every ranking is formed from those K
// log-probs; each ranking weighs as one. The reference's log-probs are computed once, before
// training, and kept in the project's cache (reference_logprob_cache.h): a run whose cache holds
// them never loads the reference for training. At each evaluation the shared policy evaluation
// (policy_evaluation.h) samples validation prompts (loading the reference for the KL only then),
// and the held-out pairs give eval/ versions of the training metrics. The shared training loop does
// the rest. Torch-free public header (pimpl).
// Thread rule: run() runs on the calling thread, which owns every torch object of the run;
// request_stop() may be called from any thread or a signal handler.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/train/dpo_config.h"
#include "core/dist/data_parallel_group.h"
#include "core/train/metrics_sink.h"
#include "core/train/policy_evaluation.h"
#include "core/train/ranking_example.h"
#include "core/train/reference_logprob_cache.h"

namespace prefstudio {

struct DpoData {
  std::vector<RankingExample> train;       // the training split's rankings
  std::vector<RankingExample> validation;  // held-out prompts' rankings; may be empty
  std::vector<std::string> eval_prompts;   // held-out prompts the policy evaluation samples
  RuleScore rule = demo_rule_score;        // the true score of a sample, where the task has one
};

struct DpoResult {
  int64_t steps_done = 0;
  int64_t steps_planned = 0;
  bool stopped = false;
  bool time_limited = false;
  std::string final_dir;  // <output_dir>/final, always written
  std::string final_hash;
  double loss = 0.0;      // means over the last log interval
  double accuracy = 0.0;  // rewards/accuracies
  double margin = 0.0;    // rewards/margins
  double eval_kl = 0.0;          // the last evaluation; NaN without evaluation prompts
  double eval_true_score = 0.0;  // NaN when the prompts have no rule score
  double eval_reward = 0.0;      // NaN without reward_model_dir
  double eval_accuracy = 0.0;    // held-out pairs; NaN without validation rankings
  int64_t prompts_train = 0, rankings_train = 0, pairs_train = 0;
  int64_t completions_skipped = 0;  // longer than max_length allows
  int64_t rankings_dropped = 0;     // no untied pair left after skipping
  int64_t reference_cached = 0;     // reference log-probs read from the cache
  int64_t reference_computed = 0;   // computed (and stored) by this run
  double seconds = 0.0;
};

class DpoTrainer {
 public:
  // Validates `config` (ConfigError). `cache` may be null (nothing kept between runs); it must
  // outlive run(). `run_id` goes into each checkpoint's manifest.
  DpoTrainer(DpoConfig config, DpoData data, ReferenceLogprobCache* cache = nullptr,
             int64_t run_id = 0);
  ~DpoTrainer();
  DpoTrainer(const DpoTrainer&) = delete;
  DpoTrainer& operator=(const DpoTrainer&) = delete;

  // Trains, then writes <output_dir>/final. Throws ConfigError for no training pair, FormatError
  // for an unreadable checkpoint or a reference whose tokenizer differs, CoreError for a NaN loss
  // (naming step and metric; the last checkpoint stays).
  DpoResult run(MetricsSink& sink);
  void request_stop();
  // Runs data-parallel in `group` (before run()): every rank constructs the trainer with the same
  // config and data; each trains on its share of every global batch's prompts, and only rank 0
  // reports to its sink and writes checkpoints.
  void set_data_parallel(std::shared_ptr<DataParallelGroup> group);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prefstudio
