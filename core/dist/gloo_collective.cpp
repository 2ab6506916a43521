// Collective over c10d: a TCPStore hosted by rank 0 for the rendezvous, ProcessGroupGloo for the
// data. This is the only file that sees c10d's API (it moved between LibTorch 1.13 and 2.x).
#include "core/common/core_error.h"
#include "core/dist/collective.h"

#ifdef PREFSTUDIO_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

namespace prefstudio {

#ifdef PREFSTUDIO_HAVE_GLOO
namespace {

class GlooCollective : public Collective {
 public:
  GlooCollective(const DistributedEnv& env, std::chrono::milliseconds timeout)
      : env_(env), timeout_(timeout) {
    try {
      c10d::TCPStoreOptions store_options;
      store_options.port = static_cast<uint16_t>(env.master_port);
      store_options.isServer = env.rank == 0;
      store_options.numWorkers = env.world_size;
      store_options.waitWorkers = true;
      store_options.timeout = timeout;
      store_ = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
      auto options = c10d::ProcessGroupGloo::Options::create();
      options->timeout = timeout;
      options->devices.push_back(device_for(env));
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, env.rank, env.world_size,
                                                           options);
    } catch (const c10::Error& e) {
      throw CoreError(where(joining()) + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw CoreError(where(joining()) + e.what());
    }
  }

  int rank() const override { return env_.rank; }
  int world_size() const override { return env_.world_size; }

  // Gloo's allreduce takes one tensor per device, so a bucket of many is flattened into one buffer
  // per dtype, summed in one call and copied back.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override {
    std::vector<torch::ScalarType> dtypes;
    for (const auto& tensor : tensors)
      if (std::find(dtypes.begin(), dtypes.end(), tensor.scalar_type()) == dtypes.end())
        dtypes.push_back(tensor.scalar_type());
    for (auto dtype : dtypes) {
      std::vector<torch::Tensor> bucket;
      for (const auto& tensor : tensors)
        if (tensor.scalar_type() == dtype) bucket.push_back(tensor.reshape({-1}));
      std::vector<torch::Tensor> flat{torch::cat(bucket)};
      run("all_reduce", [&] { return group_->allreduce(flat); });
      int64_t offset = 0;
      for (auto& tensor : tensors) {
        if (tensor.scalar_type() != dtype) continue;
        tensor.view({-1}).copy_(flat[0].slice(0, offset, offset + tensor.numel()));
        offset += tensor.numel();
      }
    }
  }

  void broadcast(std::vector<torch::Tensor>& tensors, int root) override {
    if (tensors.empty()) return;
    c10d::BroadcastOptions options;
    options.rootRank = root;
    // Gloo broadcasts one tensor per call; a bucket of many goes one by one in the same order.
    for (auto& tensor : tensors) {
      std::vector<torch::Tensor> one{tensor};
      run("broadcast", [&] { return group_->broadcast(one, options); });
    }
  }

  std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor tensor) override {
    std::vector<torch::Tensor> one{std::move(tensor)};
    try {
      return std::make_unique<GlooPending>(*this, group_->allreduce(one), std::move(one));
    } catch (const c10::Error& e) {
      throw CoreError(where("all_reduce") + e.what_without_backtrace());
    }
  }

  void barrier() override {
    run("barrier", [&] { return group_->barrier(); });
  }

 private:
  // The interface Gloo talks on, chosen as PyTorch chooses it: GLOO_SOCKET_IFNAME when set; else
  // loopback when the group is on this machine; else the address this host's name resolves to.
  static std::shared_ptr<::gloo::transport::Device> device_for(const DistributedEnv& env) {
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
      return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    if (env.master_addr == "127.0.0.1" || env.master_addr == "localhost")
      return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0)
      throw CoreError("data parallel: gethostname failed; set GLOO_SOCKET_IFNAME");
    return c10d::ProcessGroupGloo::createDeviceForHostname(host);
  }

  // The work handle's type moved between LibTorch 1.13 (ProcessGroup::Work) and 2.x (c10d::Work).
  using Work = decltype(std::declval<c10d::ProcessGroupGloo&>().allreduce(
      std::declval<std::vector<at::Tensor>&>()));

  class GlooPending : public Pending {
   public:
    GlooPending(GlooCollective& owner, Work work, std::vector<torch::Tensor> tensors)
        : owner_(owner), work_(std::move(work)), tensors_(std::move(tensors)) {}
    void wait() override {
      owner_.run("all_reduce", [&] { return work_; });
    }

   private:
    GlooCollective& owner_;
    Work work_;
    std::vector<torch::Tensor> tensors_;  // kept alive while the sum travels
  };

  std::string joining() const {
    return "joining the group at " + env_.master_addr + ":" + std::to_string(env_.master_port);
  }

  std::string where(const std::string& operation) const {
    return "data parallel: " + operation + " failed on rank " + std::to_string(env_.rank) +
           " of " + std::to_string(env_.world_size) + " (timeout " +
           std::to_string(timeout_.count() / 1000.0).substr(0, 5) +
           " s; another rank may have died or hung): ";
  }

  template <typename Launch>
  void run(const char* operation, Launch launch) {
    try {
      launch()->wait(timeout_);
    } catch (const c10::Error& e) {
      throw CoreError(where(operation) + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw CoreError(where(operation) + e.what());
    }
  }

  DistributedEnv env_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

bool gloo_available() { return true; }

std::unique_ptr<Collective> connect_gloo_collective(const DistributedEnv& env,
                                                    std::chrono::milliseconds timeout) {
  return std::make_unique<GlooCollective>(env, timeout);
}

#else

bool gloo_available() { return false; }

std::unique_ptr<Collective> connect_gloo_collective(const DistributedEnv&,
                                                    std::chrono::milliseconds) {
  throw CoreError("data parallel: this build has no c10d Gloo process group (install libgloo-dev "
                  "and rebuild, or build against PyTorch's LibTorch)");
}

#endif

}  // namespace prefstudio
