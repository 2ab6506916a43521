// The device and thread settings every command starts with.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <thread>

#include "core/common/core_error.h"
#include "core/common/runtime.h"

using namespace prefstudio;

namespace {

// Sets (or, with nullptr, unsets) PREFSTUDIO_THREADS for one test and puts the old value back.
class ThreadsVariable {
 public:
  explicit ThreadsVariable(const char* value) {
    if (const char* old = std::getenv(kName)) old_ = old;
    value ? setenv(kName, value, 1) : unsetenv(kName);
  }
  ~ThreadsVariable() { old_.empty() ? unsetenv(kName) : setenv(kName, old_.c_str(), 1); }

 private:
  static constexpr const char* kName = "PREFSTUDIO_THREADS";
  std::string old_;
};

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace

// LibTorch on Debian starts with one thread, so start from one: a default of one thread must fail.
TEST(Runtime, UsesEveryCoreByDefault) {
  if (cores() < 2) GTEST_SKIP() << "one core: every core and one thread are the same";
  ThreadsVariable unset(nullptr);
  torch::set_num_threads(1);
  EXPECT_EQ(init_torch_threads(0), cores());
  EXPECT_EQ(torch::get_num_threads(), cores());
}

TEST(Runtime, EnvironmentSetsTheDefault) {
  ThreadsVariable one("1");
  torch::set_num_threads(2);
  EXPECT_EQ(init_torch_threads(0), 1);
  ThreadsVariable empty("");  // set but empty reads as unset
  EXPECT_EQ(init_torch_threads(0), cores());
  EXPECT_EQ(init_torch_threads(0, 1), 1);  // the caller's own default, e.g. the demo's one thread
}

// An explicit count (--threads, a config's "threads") wins over the environment.
TEST(Runtime, ExplicitCountWinsOverTheEnvironment) {
  ThreadsVariable two("2");
  EXPECT_EQ(init_torch_threads(1), 1);
  EXPECT_EQ(torch::get_num_threads(), 1);
}

TEST(Runtime, BadEnvironmentValueIsAnErrorNamingIt) {
  for (const char* value : {"all", "0", "-2", "2x", " 2", "99999999999"}) {
    ThreadsVariable bad(value);
    for (int n : {0, 1}) {
      try {
        init_torch_threads(n);
        FAIL() << "PREFSTUDIO_THREADS='" << value << "' accepted with n = " << n;
      } catch (const ConfigError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("PREFSTUDIO_THREADS"), std::string::npos) << message;
        EXPECT_NE(message.find(std::string("'") + value + "'"), std::string::npos) << message;
      }
    }
  }
}

TEST(Runtime, ChecksDeviceNames) {
  EXPECT_EQ(check_device("cpu"), "cpu");
  try {
    check_device("tpu:0", "train.device");
    FAIL() << "an unknown device must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("train.device"), std::string::npos) << e.what();
  }
  if (!cuda_available()) {
    EXPECT_THROW(check_device("cuda"), ConfigError);
  }
}
