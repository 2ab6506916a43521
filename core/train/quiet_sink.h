// A sink that drops everything: the ranks other than 0 of a data-parallel run write nothing, so
// their trainers report to this one in place of the caller's.
#pragma once

#include "core/train/metrics_sink.h"

namespace prefstudio {

class QuietSink : public MetricsSink {
 public:
  void on_metrics(const MetricRecord&) override {}
};

}  // namespace prefstudio
