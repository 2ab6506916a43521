// The collectives of a group of one: nothing to exchange.
#include "core/dist/collective.h"

namespace prefstudio {
namespace {

class SingleProcessCollective : public Collective {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
  std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor) override {
    struct Done : Pending {
      void wait() override {}
    };
    return std::make_unique<Done>();
  }
  void broadcast(std::vector<torch::Tensor>&, int) override {}
  void barrier() override {}
};

}  // namespace

std::unique_ptr<Collective> make_single_process_collective() {
  return std::make_unique<SingleProcessCollective>();
}

}  // namespace prefstudio
