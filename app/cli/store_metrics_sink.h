// The CLI's MetricsSink: each record goes to the project database (run_metrics, checkpoints,
// run_events, run_evaluations, run_samples; the checkpoint's model is registered in models; the
// run's heartbeat is run_heartbeat.h's) and to the terminal: one JSON object
// per line on stdout (train sft), or a one-line progress display on stderr (demo). Never throws
// (MetricsSink's rule): a failed write is reported on stderr once and counted, and the run goes on.
// Owns nothing: the Database outlives it, on its thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>

#include "core/train/metrics_sink.h"
#include "db/database.h"
#include "db/run_store.h"

namespace prefstudio::cli {

enum class SinkEcho {
  kJsonLines,  // {"step": N, "loss_train": ...} per record on stdout, flushed
  kProgress,   // "\rsft: step N  loss_train ...  loss_val ...  tokens/s ..." on stderr
};

class StoreMetricsSink : public MetricsSink {
 public:
  // `model_prefix` names the checkpoints registered in models, e.g. "sft-run3" ->
  // "sft-run3/step-000200"; `label` starts the progress line, e.g. "sft".
  StoreMetricsSink(db::Database& db, int64_t run_id, SinkEcho echo, std::string model_prefix,
                   std::string label = "train");
  ~StoreMetricsSink() override;

  void on_metrics(const MetricRecord& record) override;
  void on_checkpoint(int64_t step, const std::string& dir, const std::string& hash) override;
  void on_event(int64_t step, const std::string& kind, const std::string& message) override;
  void on_evaluation(int64_t step, const std::string& kind, const std::string& report) override;
  void on_samples(int64_t step, const std::vector<SampleRecord>& samples) override;

  int64_t failed_writes() const { return failed_writes_; }

 private:
  void report_failure(const std::exception& e);
  void print_progress(const MetricRecord& record);

  db::RunStore store_;
  int64_t run_id_;
  SinkEcho echo_;
  double last_loss_train_ = 0.0, last_loss_val_ = -1.0, last_tokens_per_s_ = 0.0;
  bool progress_open_ = false;  // a progress line without its newline is on stderr
  std::string model_prefix_;
  std::string label_;
  std::chrono::steady_clock::time_point started_;
  int64_t failed_writes_ = 0;
};

}  // namespace prefstudio::cli
