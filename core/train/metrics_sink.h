// Where a trainer's numbers go: the CLI writes them to the project database and prints one JSON
// line each; the GUI's worker buffers them for the plots. Torch-free. A trainer calls the sink
// from its own thread; the sink must not throw.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace prefstudio {

struct MetricRecord {
  int64_t step = 0;
  std::vector<std::pair<std::string, double>> values;  // e.g. {"loss_train", 2.31}, {"lr", 3e-4}
};

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  virtual void on_metrics(const MetricRecord& record) = 0;
  // A checkpoint folder written at `step` (the sink records it in the store).
  virtual void on_checkpoint(int64_t step, const std::string& dir, const std::string& hash) {}
  // Free text: "projector refreshed", "resumed from step 120", warnings.
  virtual void on_event(int64_t step, const std::string& kind, const std::string& message) {}
  // A whole evaluation report as JSON, e.g. kind "reward_calibration" (the reliability diagram
  // the GUI redraws at each evaluation).
  virtual void on_evaluation(int64_t step, const std::string& kind, const std::string& report) {}
};

}  // namespace prefstudio
