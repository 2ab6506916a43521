// The collectives data-parallel training needs, behind one small interface of ours: c10d's C++ API
// differs between LibTorch 1.13 (Debian) and 2.x (GPU servers), and only gloo_collective.cpp sees it.
// Internal header of core (torch). Every rank must call the same collectives in the same order.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <vector>

#include "core/dist/distributed_env.h"

namespace prefstudio {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Sums each tensor over the ranks, in place. The tensors must be contiguous and alike on every
  // rank (shape, dtype, order).
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  // A sum started by all_reduce_sum_async; wait() ends it (throwing as all_reduce_sum does).
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;
  };
  // Starts summing one contiguous tensor over the ranks, in place, and returns at once: backward
  // goes on while it travels. Every rank must start the same sums in the same order.
  virtual std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor tensor) = 0;
  // Replaces each tensor by rank `root`'s, in place.
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int root) = 0;
  virtual void barrier() = 0;
};

// One process: every collective is the identity.
std::unique_ptr<Collective> make_single_process_collective();

// Joins the group `env` describes over TCP (rank 0 hosts the store at MASTER_ADDR:MASTER_PORT) with
// Gloo. A collective that does not complete within `timeout` (a rank died or hangs) throws a
// CoreError naming this rank and the operation. Throws CoreError in a build without c10d Gloo.
std::unique_ptr<Collective> connect_gloo_collective(const DistributedEnv& env,
                                                    std::chrono::milliseconds timeout);

// Whether this build has c10d's Gloo process group (Debian's LibTorch with libgloo-dev, or PyTorch's).
bool gloo_available();

}  // namespace prefstudio
