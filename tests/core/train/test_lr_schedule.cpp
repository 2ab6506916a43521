// LrSchedule: linear warm-up to the peak, cosine to min_lr, flat after; values checked by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/train/lr_schedule.h"

namespace prefstudio {
namespace {

TEST(LrSchedule, WarmupThenCosineThenFloor) {
  LrSchedule schedule{1.0, 0.1, 10, 110};
  EXPECT_DOUBLE_EQ(schedule.at(0), 0.1);  // (0 + 1) / 10
  EXPECT_DOUBLE_EQ(schedule.at(4), 0.5);
  EXPECT_DOUBLE_EQ(schedule.at(9), 1.0);      // warm-up ends at the peak
  EXPECT_DOUBLE_EQ(schedule.at(10), 1.0);     // cosine starts at the peak
  EXPECT_NEAR(schedule.at(60), 0.55, 1e-12);  // half-way: (1 + 0.1) / 2
  // A quarter of the way: 0.1 + 0.9 * 0.5 * (1 + cos(pi / 4)).
  EXPECT_NEAR(schedule.at(35), 0.1 + 0.45 * (1.0 + std::sqrt(0.5)), 1e-12);
  EXPECT_DOUBLE_EQ(schedule.at(110), 0.1);
  EXPECT_DOUBLE_EQ(schedule.at(5000), 0.1);
  for (int64_t step = 10; step < 110; ++step) EXPECT_GE(schedule.at(step), schedule.at(step + 1));
}

TEST(LrSchedule, NoWarmupStartsAtThePeak) {
  LrSchedule schedule{3e-4, 0.0, 0, 100};
  EXPECT_DOUBLE_EQ(schedule.at(0), 3e-4);
  EXPECT_NEAR(schedule.at(50), 1.5e-4, 1e-15);
  EXPECT_DOUBLE_EQ(schedule.at(100), 0.0);
}

}  // namespace
}  // namespace prefstudio
