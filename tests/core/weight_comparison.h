// Two runs that must end alike (a resumed run and an uninterrupted one; two processes and one):
// the largest difference between their final weights, and how far training moved the weights from
// where both started, so a test can also check that they trained at all.
#pragma once

#include <algorithm>
#include <string>

#include "core/model/checkpoint.h"

namespace prefstudio::test {

struct WeightComparison {
  double largest_difference = 0.0;  // max |a - b| over every weight
  double largest_move = 0.0;        // max |a - start| over every weight
};

inline WeightComparison compare_weights(const std::string& a_dir, const std::string& b_dir,
                                        const std::string& start_dir) {
  auto a = load_checkpoint(a_dir), b = load_checkpoint(b_dir), start = load_checkpoint(start_dir);
  auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
  auto p0 = start.model->named_parameters();
  WeightComparison out;
  for (const auto& item : pa) {
    out.largest_difference = std::max(
        out.largest_difference, (item.value() - pb[item.key()]).abs().max().item<double>());
    out.largest_move =
        std::max(out.largest_move, (item.value() - p0[item.key()]).abs().max().item<double>());
  }
  return out;
}

}  // namespace prefstudio::test
