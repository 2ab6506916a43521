// Warm-up then cosine decay (see lr_schedule.h).
#include "core/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace prefstudio {

double LrSchedule::at(int64_t step) const {
  if (step < warmup_steps)
    return peak_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (step >= total_steps) return min_lr;
  const double decay_steps = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  const double progress = static_cast<double>(step - warmup_steps) / decay_steps;
  const double kPi = 3.14159265358979323846;
  return min_lr + (peak_lr - min_lr) * 0.5 * (1.0 + std::cos(kPi * progress));
}

}  // namespace prefstudio
