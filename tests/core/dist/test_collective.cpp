// Data parallel's transport: the torchrun variables, and real Gloo collectives between two
// processes of this test over loopback, including a rank that dies.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <map>

#include "core/common/core_error.h"
#include "core/dist/collective.h"
#include "tests/core/dist/loopback_ranks.h"

namespace prefstudio {
namespace {

using Variables = std::map<std::string, std::string>;

std::optional<DistributedEnv> env_of(const Variables& variables) {
  return distributed_env_from([&](const char* name) -> const char* {
    auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  });
}

std::string error_of(const Variables& variables) {
  try {
    env_of(variables);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(DistributedEnv, SingleProcessWithoutWorldSize) {
  EXPECT_FALSE(env_of({}).has_value());
  EXPECT_FALSE(env_of({{"WORLD_SIZE", "1"}}).has_value());
}

TEST(DistributedEnv, ReadsTheTorchrunVariables) {
  auto env = env_of({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_RANK", "1"},
                     {"MASTER_ADDR", "node0"}, {"MASTER_PORT", "29511"}});
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->master_addr, "node0");
  EXPECT_EQ(env->master_port, 29511);
  auto no_local = env_of({{"WORLD_SIZE", "2"}, {"RANK", "1"}, {"MASTER_ADDR", "h"},
                          {"MASTER_PORT", "1"}});
  EXPECT_EQ(no_local->local_rank, 1);
}

TEST(DistributedEnv, ErrorsNameTheVariable) {
  Variables ok{{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "29500"}};
  auto with = [&](const std::string& key, const char* value) {
    Variables v = ok;
    if (value) v[key] = value; else v.erase(key);
    return error_of(v);
  };
  EXPECT_EQ(error_of(ok), "");
  EXPECT_NE(with("RANK", "abc").find("RANK='abc'"), std::string::npos);
  EXPECT_NE(with("RANK", "2").find("RANK='2' is not an integer in [0, 1]"), std::string::npos);
  EXPECT_NE(with("RANK", nullptr).find("RANK is not set"), std::string::npos);
  EXPECT_NE(with("MASTER_PORT", "70000").find("MASTER_PORT='70000'"), std::string::npos);
  EXPECT_NE(with("MASTER_ADDR", nullptr).find("MASTER_ADDR is not set"), std::string::npos);
  EXPECT_NE(with("WORLD_SIZE", "two").find("WORLD_SIZE='two'"), std::string::npos);
}

TEST(Collective, SingleProcessIsTheIdentity) {
  auto group = make_single_process_collective();
  std::vector<torch::Tensor> tensors{torch::arange(3.0)};
  group->all_reduce_sum(tensors);
  group->broadcast(tensors, 0);
  group->barrier();
  EXPECT_TRUE(torch::equal(tensors[0], torch::arange(3.0)));
  EXPECT_EQ(group->world_size(), 1);
}

constexpr std::chrono::milliseconds kTimeout{4000};

TEST(Collective, TwoRanksSumAndBroadcastOverLoopback) {
  if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
  const int port = free_loopback_port();
  auto exchange = [&](int rank) {
    auto group = connect_gloo_collective(loopback(port, rank), kTimeout);
    // Two tensors in one call, as a bucket of gradients goes: sums 1 + 2 and [r, 10 r].
    std::vector<torch::Tensor> sums{torch::full({5}, rank + 1.0),
                                    torch::tensor({1.0 * rank, 10.0 * rank})};
    group->all_reduce_sum(sums);
    std::vector<torch::Tensor> from_root{torch::full({3}, rank == 0 ? 7.0 : -1.0)};
    group->broadcast(from_root, 0);
    group->barrier();
    return torch::equal(sums[0], torch::full({5}, 3.0)) &&
           torch::equal(sums[1], torch::tensor({1.0, 10.0})) &&
           torch::equal(from_root[0], torch::full({3}, 7.0)) && group->rank() == rank;
  };
  pid_t child = fork_rank_one([&] { return exchange(1); });
  EXPECT_TRUE(exchange(0));
  EXPECT_EQ(exit_status_of(child), 0) << "rank 1's sums or broadcast differ (see its stderr)";
}

// Rank 0 joins with a rank 1 that `rank_one` plays, then all-reduces: returns the error message and
// how long the all-reduce took to give up.
std::pair<std::string, double> all_reduce_beside(const std::function<void(int port)>& rank_one) {
  const int port = free_loopback_port();
  pid_t child = fork_rank_one([&] {
    rank_one(port);
    return true;
  });
  auto group = connect_gloo_collective(loopback(port, 0), kTimeout);
  std::vector<torch::Tensor> gradients{torch::ones({4})};
  auto start = std::chrono::steady_clock::now();
  std::string message;
  try {
    group->all_reduce_sum(gradients);
  } catch (const CoreError& e) {
    message = e.what();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  kill(child, SIGKILL);
  exit_status_of(child);
  return {message, seconds};
}

TEST(Collective, ADeadRankEndsTheCollectiveNamingThisRank) {
  if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
  // Rank 1 joins, then dies before the first all-reduce, as a crashed or killed process does.
  auto [message, seconds] = all_reduce_beside([](int port) {
    auto group = connect_gloo_collective(loopback(port, 1), kTimeout);
    _exit(0);
  });
  EXPECT_NE(message.find("all_reduce failed on rank 0 of 2"), std::string::npos) << message;
  EXPECT_LT(seconds, kTimeout.count() / 1000.0 + 5.0);
}

TEST(Collective, AHungRankEndsTheCollectiveAtTheTimeout) {
  if (!gloo_available()) GTEST_SKIP() << "this build has no c10d Gloo";
  // Rank 1 joins and then never calls the all-reduce (stuck in a long step, or deadlocked).
  auto [message, seconds] = all_reduce_beside([](int port) {
    auto group = connect_gloo_collective(loopback(port, 1), kTimeout);
    sleep(60);
  });
  EXPECT_NE(message.find("all_reduce failed on rank 0 of 2 (timeout 4.000 s"), std::string::npos)
      << message;
  EXPECT_GT(seconds, kTimeout.count() / 1000.0 - 0.5);
  EXPECT_LT(seconds, kTimeout.count() / 1000.0 + 5.0);
}

}  // namespace
}  // namespace prefstudio
