// Where a trainer's numbers go: the CLI writes them to the project database and prints one JSON
// line each; the GUI's worker buffers them for the plots. Torch-free. A trainer calls the sink
// from its own thread; the sink must not throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace prefstudio {

struct MetricRecord {
  int64_t step = 0;
  std::vector<std::pair<std::string, double>> values;  // e.g. {"loss_train", 2.31}, {"lr", 3e-4}
};

// One completion a policy sampled at an evaluation, with what the trainer made of it (the GUI
// shows them beside the curves).
struct SampleRecord {
  std::string prompt, completion;
  bool ended = true;  // false: cut at the token limit
  std::optional<double> kl, reward, true_score;
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
  // The samples an evaluation at `step` drew.
  virtual void on_samples(int64_t step, const std::vector<SampleRecord>& samples) {}
};

}  // namespace prefstudio
