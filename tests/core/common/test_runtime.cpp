// The device and thread settings every command starts with.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/common/core_error.h"
#include "core/common/runtime.h"

using namespace prefstudio;

TEST(Runtime, UsesEveryCoreByDefault) {
  int threads = init_torch_threads(0);
  EXPECT_GE(threads, 1);
  EXPECT_EQ(threads, torch::get_num_threads());
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
