// StoreMetricsSink: metrics to the project database and JSON lines to stdout.
#include "app/cli/store_metrics_sink.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "db/utf8.h"

namespace prefstudio::cli {

StoreMetricsSink::StoreMetricsSink(db::Database& db, int64_t run_id, SinkEcho echo,
                                   std::string model_prefix, std::string label)
    : store_(db),
      run_id_(run_id),
      echo_(echo),
      model_prefix_(std::move(model_prefix)),
      label_(std::move(label)),
      started_(std::chrono::steady_clock::now()) {}

StoreMetricsSink::~StoreMetricsSink() {
  if (progress_open_) std::cerr << "\n";
}

void StoreMetricsSink::print_progress(const MetricRecord& record) {
  for (const auto& [name, value] : record.values) {
    if (name == "loss_train" || name == "loss") last_loss_train_ = value;  // "loss": TRL's name
    if (name == "loss_val") last_loss_val_ = value;
    if (name == "tokens_per_s") last_tokens_per_s_ = value;
  }
  char line[160];
  std::snprintf(line, sizeof(line), "\r%s: step %lld  loss_train %.4f  loss_val %.4f  %.0f tokens/s ",
                label_.c_str(), static_cast<long long>(record.step), last_loss_train_,
                last_loss_val_, last_tokens_per_s_);
  std::cerr << line << std::flush;
  progress_open_ = true;
}

void StoreMetricsSink::report_failure(const std::exception& e) {
  if (failed_writes_++ == 0)
    std::cerr << "warning: could not write to the project database: " << e.what() << "\n";
}

void StoreMetricsSink::on_metrics(const MetricRecord& record) {
  const double wall_time =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  try {
    store_.append_metrics(run_id_, record.step, record.values, wall_time);
  } catch (const std::exception& e) {
    report_failure(e);
  }
  if (echo_ == SinkEcho::kProgress) return print_progress(record);
  nlohmann::json line{{"step", record.step}, {"wall_time", wall_time}};
  for (const auto& [name, value] : record.values) line[name] = value;
  std::cout << line.dump() << std::endl;  // flushed: a pipe reader sees each step as it happens
}

void StoreMetricsSink::on_checkpoint(int64_t step, const std::string& dir,
                                     const std::string& hash) {
  const std::string path = std::filesystem::absolute(dir).lexically_normal().string();
  try {
    store_.add_checkpoint(run_id_, step, path, hash);
    store_.register_model(model_prefix_ + "/" + std::filesystem::path(dir).filename().string(),
                          hash, path);
  } catch (const std::exception& e) {
    report_failure(e);
  }
  if (echo_ == SinkEcho::kJsonLines)
    std::cout << nlohmann::json{{"step", step}, {"checkpoint", path}, {"content_hash", hash}}.dump()
              << std::endl;
}

void StoreMetricsSink::on_event(int64_t step, const std::string& kind, const std::string& message) {
  try {
    store_.add_event(run_id_, step, kind, message);
  } catch (const std::exception& e) {
    report_failure(e);
  }
  if (echo_ == SinkEcho::kJsonLines) {
    std::cout << nlohmann::json{{"step", step}, {"event", kind}, {"message", message}}.dump()
              << std::endl;
  } else {
    std::cerr << (progress_open_ ? "\n" : "") << "[" << kind << "] step " << step << ": " << message
              << "\n";
    progress_open_ = false;
  }
}

void StoreMetricsSink::on_evaluation(int64_t step, const std::string& kind,
                                     const std::string& report) {
  try {
    store_.add_evaluation(run_id_, step, kind, report);
  } catch (const std::exception& e) {
    report_failure(e);
  }
  if (echo_ == SinkEcho::kJsonLines)
    std::cout << nlohmann::json{{"step", step}, {"evaluation", kind}}.dump() << std::endl;
}

void StoreMetricsSink::on_samples(int64_t step, const std::vector<SampleRecord>& samples) {
  std::vector<db::RunSample> rows;
  rows.reserve(samples.size());
  for (const SampleRecord& sample : samples) {
    db::RunSample row;
    row.prompt = sample.prompt;
    row.completion = db::to_valid_utf8(sample.completion);  // a byte model can cut a character
    row.finish_reason = sample.ended ? "eos" : "length";
    row.reward = sample.reward;
    row.kl = sample.kl;
    row.true_score = sample.true_score;
    rows.push_back(std::move(row));
  }
  try {
    store_.add_samples(run_id_, step, rows);
  } catch (const std::exception& e) {
    report_failure(e);
  }
}

}  // namespace prefstudio::cli
