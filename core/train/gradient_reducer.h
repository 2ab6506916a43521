// Sums the gradients over the ranks of a data-parallel run while backward runs, as PyTorch's DDP
// does, so that the sums travel while the earlier layers' gradients are still being computed.
// Internal header of core (torch).
//
// The parameters, in reverse order (backward reaches the last layers first) and grouped by dtype,
// are cut into buckets of about `bucket_bytes`. When armed, a hook on each parameter copies its
// finished gradient (plus what earlier micro-batches accumulated) into its bucket; a bucket whose
// parameters are all in starts its all-reduce at once, after every earlier bucket, so all ranks
// start the same sums in the same order. finish() starts the buckets left (a parameter without a
// gradient in this backward sends what it has, or zeros: a rank whose share of an RL minibatch was
// empty ran no backward at all), waits for them and writes the sums back. Each bucket also sums
// one flag per parameter, whether the rank had a gradient for it: a parameter no rank had one for
// keeps none, as one process's optimizer would see it.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "core/dist/collective.h"

namespace prefstudio {

class GradientReducer {
 public:
  GradientReducer(const std::vector<torch::Tensor>& parameters, Collective& collective,
                  int64_t bucket_bytes);
  ~GradientReducer();  // removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // The next backward is the step's last micro-batch's: reduce while it runs.
  void arm();
  // After it: every gradient is its sum over the ranks. Throws CoreError as the collective does.
  void finish();

 private:
  struct Slot {
    torch::Tensor parameter;
    size_t bucket = 0;
    int64_t offset = 0, flag = 0;  // where its values and its flag sit in the bucket
    bool ready = false;
  };
  struct Bucket {
    torch::Tensor flat;  // the slots' values, then one flag per slot
    std::vector<size_t> slots;
    size_t ready = 0;
    std::unique_ptr<Collective::Pending> pending;
  };

  void on_gradient(size_t slot, const torch::Tensor& gradient);
  void fill(size_t slot, const torch::Tensor& gradient);
  void launch_ready_buckets();

  Collective& collective_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hooks_;
  size_t next_launch_ = 0;
  bool armed_ = false;
};

}  // namespace prefstudio
