// GradientReducer: buckets start their all-reduce while backward runs, last layers first and in
// bucket order; finish() leaves each gradient summed over the ranks, a rank that ran no backward
// adds zeros, and a parameter no rank had a gradient for keeps none.
#include <gtest/gtest.h>

#include "core/dist/collective.h"
#include "core/train/gradient_reducer.h"
#include "tests/core/dist/loopback_ranks.h"

namespace prefstudio {
namespace {

// The one-process collective, recording the sizes of the sums started and whether backward was
// still running then.
class RecordingCollective : public Collective {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
  std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor tensor) override {
    started.push_back({tensor.numel(), in_backward});
    return inner_->all_reduce_sum_async(tensor);
  }
  void broadcast(std::vector<torch::Tensor>&, int) override {}
  void barrier() override {}
  std::vector<std::pair<int64_t, bool>> started;  // (values + flags, during backward)
  bool in_backward = false;

 private:
  std::unique_ptr<Collective> inner_ = make_single_process_collective();
};

// Three layers and one parameter the loss never uses.
struct Layers {
  torch::Tensor w1 = torch::randn({8, 8}, torch::requires_grad());
  torch::Tensor w2 = torch::randn({8, 8}, torch::requires_grad());
  torch::Tensor w3 = torch::randn({8, 4}, torch::requires_grad());
  torch::Tensor unused = torch::randn({5}, torch::requires_grad());
  std::vector<torch::Tensor> all() const { return {w1, w2, w3, unused}; }
  torch::Tensor loss(const torch::Tensor& x) const {
    return x.mm(w1).tanh().mm(w2).tanh().mm(w3).pow(2).sum();
  }
};

TEST(GradientReducerTest, BucketsStartInOrderAndAnUnusedParameterKeepsNoGradient) {
  torch::manual_seed(0);
  Layers layers;
  RecordingCollective collective;
  GradientReducer reducer(layers.all(), collective, 1);  // one parameter a bucket
  const auto x = torch::randn({3, 8});
  // The gradients one plain backward gives.
  layers.loss(x).backward();
  std::vector<torch::Tensor> plain;
  for (const auto& p : {layers.w1, layers.w2, layers.w3}) plain.push_back(p.grad().clone());
  for (auto& p : layers.all())
    if (p.grad().defined()) p.mutable_grad().zero_();

  reducer.arm();
  collective.in_backward = true;
  layers.loss(x).backward();
  collective.in_backward = false;
  reducer.finish();
  // Buckets in reverse parameter order: [unused], [w3], [w2], [w1]. The first never completes
  // during backward, and buckets start in order, so all four start in finish(), in that order.
  ASSERT_EQ(collective.started.size(), 4u);
  for (const auto& [size, during] : collective.started) EXPECT_FALSE(during);
  EXPECT_EQ(collective.started[0].first, 5 + 1);
  EXPECT_EQ(collective.started[1].first, 32 + 1);
  EXPECT_EQ(collective.started[3].first, 64 + 1);
  EXPECT_TRUE(torch::equal(layers.w1.grad(), plain[0]));
  EXPECT_TRUE(torch::equal(layers.w3.grad(), plain[2]));
  EXPECT_FALSE(layers.unused.grad().defined()) << "no rank had a gradient for it";
}

TEST(GradientReducerTest, UsedParametersStartTheirBucketsBeforeBackwardEnds) {
  torch::manual_seed(0);
  Layers layers;
  RecordingCollective collective;
  std::vector<torch::Tensor> used{layers.w1, layers.w2, layers.w3};
  GradientReducer reducer(used, collective, 1);
  reducer.arm();
  collective.in_backward = true;
  layers.loss(torch::randn({3, 8})).backward();
  collective.in_backward = false;
  ASSERT_EQ(collective.started.size(), 3u) << "every bucket started during backward";
  for (const auto& [size, during] : collective.started) EXPECT_TRUE(during);
  EXPECT_EQ(collective.started[0].first, 32 + 1) << "w3, the last layer, first";
  reducer.finish();
}

TEST(GradientReducerTest, ARankWithoutBackwardAddsZeros) {
  if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
  const int port = free_loopback_port();
  auto run = [&](int rank) {
    torch::manual_seed(0);  // the same weights on both ranks
    Layers layers;
    auto collective = connect_gloo_collective(loopback(port, rank), std::chrono::seconds(20));
    GradientReducer reducer(layers.all(), *collective, 100);
    const auto x = torch::randn({3, 8});
    reducer.arm();
    if (rank == 0) layers.loss(x).backward();  // rank 1's share was empty
    reducer.finish();
    // The sum is rank 0's gradient alone.
    torch::manual_seed(0);
    Layers fresh;
    fresh.loss(torch::randn({3, 8})).backward();
    return torch::allclose(layers.w1.grad(), fresh.w1.grad()) &&
           torch::allclose(layers.w3.grad(), fresh.w3.grad()) && !layers.unused.grad().defined();
  };
  pid_t child = fork_rank_one([&] { return run(1); });
  EXPECT_TRUE(run(0));
  EXPECT_EQ(exit_status_of(child), 0) << "rank 1's sums differ (see its stderr)";
}

}  // namespace
}  // namespace prefstudio
