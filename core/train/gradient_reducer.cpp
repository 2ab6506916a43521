// GradientReducer (see gradient_reducer.h): buckets, hooks, in-order launches, write-back.
#include "core/train/gradient_reducer.h"

#include <map>

namespace prefstudio {

GradientReducer::GradientReducer(const std::vector<torch::Tensor>& parameters,
                                 Collective& collective, int64_t bucket_bytes)
    : collective_(collective) {
  // Buckets per dtype, each filled in reverse parameter order up to bucket_bytes.
  std::map<torch::ScalarType, std::vector<size_t>> by_dtype;
  for (size_t i = parameters.size(); i-- > 0;)
    if (parameters[i].requires_grad()) by_dtype[parameters[i].scalar_type()].push_back(i);
  for (const auto& [dtype, indices] : by_dtype) {
    int64_t bytes = 0;
    std::vector<size_t> members;
    auto close = [&, dtype = dtype] {
      if (members.empty()) return;
      Bucket bucket;
      int64_t values = 0;
      for (size_t i : members) {
        Slot slot;
        slot.parameter = parameters[i];
        slot.bucket = buckets_.size();
        slot.offset = values;
        values += parameters[i].numel();
        bucket.slots.push_back(slots_.size());
        slots_.push_back(slot);
      }
      for (size_t k = 0; k < bucket.slots.size(); ++k)
        slots_[bucket.slots[k]].flag = values + static_cast<int64_t>(k);
      bucket.flat = torch::zeros({values + static_cast<int64_t>(members.size())},
                                 parameters[members.front()].options().requires_grad(false));
      buckets_.push_back(std::move(bucket));
      members.clear();
      bytes = 0;
    };
    for (size_t i : indices) {
      members.push_back(i);
      bytes += parameters[i].numel() * static_cast<int64_t>(parameters[i].element_size());
      if (bytes >= bucket_bytes) close();
    }
    close();
  }
  for (size_t s = 0; s < slots_.size(); ++s)
    hooks_.push_back(slots_[s].parameter.register_hook(
        [this, s](const torch::Tensor& gradient) { on_gradient(s, gradient); }));
}

GradientReducer::~GradientReducer() {
  for (size_t s = 0; s < slots_.size(); ++s) slots_[s].parameter.remove_hook(hooks_[s]);
}

void GradientReducer::arm() { armed_ = true; }

// Called by autograd with the parameter's whole gradient of this backward, before it is added to
// .grad (which still holds the earlier micro-batches').
void GradientReducer::on_gradient(size_t s, const torch::Tensor& gradient) {
  if (!armed_ || slots_[s].ready) return;
  const torch::Tensor& before = slots_[s].parameter.grad();
  fill(s, before.defined() ? before + gradient : gradient);
  launch_ready_buckets();
}

// The slot's values and its flag (1: this rank has a gradient for the parameter).
void GradientReducer::fill(size_t s, const torch::Tensor& gradient) {
  Slot& slot = slots_[s];
  Bucket& bucket = buckets_[slot.bucket];
  const int64_t n = slot.parameter.numel();
  if (gradient.defined()) {
    torch::NoGradGuard no_grad;
    bucket.flat.narrow(0, slot.offset, n).copy_(gradient.reshape({-1}));
    bucket.flat[slot.flag].fill_(1);
  } else {
    bucket.flat.narrow(0, slot.offset, n).zero_();
    bucket.flat[slot.flag].fill_(0);
  }
  slot.ready = true;
  ++bucket.ready;
}

// Starts every complete bucket whose predecessors have all started: the same order on every rank.
void GradientReducer::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == buckets_[next_launch_].slots.size()) {
    Bucket& bucket = buckets_[next_launch_++];
    bucket.pending = collective_.all_reduce_sum_async(bucket.flat);
  }
}

void GradientReducer::finish() {
  // What backward did not reach: the gradient so far (earlier micro-batches), or none.
  for (size_t s = 0; s < slots_.size(); ++s)
    if (!slots_[s].ready) fill(s, slots_[s].parameter.grad());
  launch_ready_buckets();
  for (Bucket& bucket : buckets_) bucket.pending->wait();
  // The sums back into the gradients; a parameter no rank had a gradient for keeps none.
  torch::NoGradGuard no_grad;
  for (const Bucket& bucket : buckets_) {
    const int64_t first_flag = slots_[bucket.slots.front()].flag;
    const auto flags = bucket.flat.narrow(0, first_flag, static_cast<int64_t>(bucket.slots.size()))
                           .to(torch::kCPU, torch::kDouble);  // one host sync per bucket
    for (size_t k = 0; k < bucket.slots.size(); ++k) {
      Slot& slot = slots_[bucket.slots[k]];
      if (flags[static_cast<int64_t>(k)].item<double>() == 0.0) continue;
      auto sum = bucket.flat.narrow(0, slot.offset, slot.parameter.numel()).view_as(slot.parameter);
      if (slot.parameter.grad().defined())
        slot.parameter.mutable_grad().copy_(sum);
      else
        slot.parameter.mutable_grad() = sum.clone();
    }
  }
  for (Slot& slot : slots_) slot.ready = false;
  for (Bucket& bucket : buckets_) {
    bucket.ready = 0;
    bucket.pending.reset();
  }
  next_launch_ = 0;
  armed_ = false;
}

}  // namespace prefstudio
