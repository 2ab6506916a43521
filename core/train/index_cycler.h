// Endless batches of indices into a data set of n rows, reshuffled every epoch by a seeded
// generator: what every trainer draws its micro-batches from. The same seed gives the same
// batches, and skipping k batches leaves it where an uninterrupted run would be after k batches
// (exact resume). Torch-free, header-only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace prefstudio {

class IndexCycler {
 public:
  // n > 0 rows, batch_size > 0 indices per batch (a batch may wrap into the next epoch).
  IndexCycler(size_t n, int64_t batch_size, uint64_t seed)
      : batch_size_(batch_size), rng_(seed), order_(n) {
    std::iota(order_.begin(), order_.end(), 0);
    std::shuffle(order_.begin(), order_.end(), rng_);
  }

  std::vector<size_t> next() {
    std::vector<size_t> batch;
    while (static_cast<int64_t>(batch.size()) < batch_size_) {
      if (cursor_ == order_.size()) {
        std::shuffle(order_.begin(), order_.end(), rng_);
        cursor_ = 0;
      }
      batch.push_back(order_[cursor_++]);
    }
    return batch;
  }

 private:
  int64_t batch_size_;
  std::mt19937_64 rng_;
  std::vector<size_t> order_;
  size_t cursor_ = 0;
};

}  // namespace prefstudio
