// The learning-rate schedule every trainer uses: linear warm-up from 0 to the peak, then cosine
// decay to a floor (nanoGPT's get_lr). Torch-free, pure arithmetic, so it is tested exactly.
#pragma once

#include <cstdint>

namespace prefstudio {

struct LrSchedule {
  double peak_lr = 3e-4;       // e.g. 3e-4: reached at the end of warm-up
  double min_lr = 3e-5;        // e.g. peak / 10: the floor the cosine ends on
  int64_t warmup_steps = 100;  // steps of linear warm-up; 0 = start at the peak
  int64_t total_steps = 1000;  // the cosine reaches min_lr here and stays there after

  // The rate for optimizer step `step` (0-based): peak * (step + 1) / warmup during warm-up, then
  // min + (peak - min) * 0.5 * (1 + cos(pi * progress)), progress from 0 to 1 after warm-up.
  double at(int64_t step) const;
};

}  // namespace prefstudio
