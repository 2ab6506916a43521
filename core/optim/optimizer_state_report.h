// How much memory an optimizer's state takes, per parameter and in total, beside what AdamW would
// hold for the same parameters, and when each GaLore projector was refreshed: what the GUI's memory
// meter and the refresh marks on the loss curve read. Plain data, torch-free (public header).
// Counted: tensors the optimizer keeps per parameter (moments, projector bases); left out: scalar
// step counters and the parameters and gradients themselves.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace prefstudio {

struct ParameterStateReport {
  std::string name;  // e.g. "transformer.h.0.attn.c_attn.weight"; "group0.param3" if unnamed
  std::vector<int64_t> shape;        // e.g. {2304, 768}
  bool projected = false;            // true for a GaLore-projected matrix
  std::string side;                  // "left" | "right" | "full" where projected, else ""
  int64_t rank = 0;                  // effective (clamped) rank where projected, else 0
  int64_t state_bytes = 0;           // bytes held now (0 before the parameter's first step)
  int64_t state_bytes_expected = 0;  // bytes it holds once stepped: the formula below
  // What AdamW holds for it: 2 * numel * element size (two moments the parameter's shape).
  int64_t adamw_bytes = 0;
  int64_t step = 0;                    // updates applied to this parameter
  std::vector<int64_t> refresh_steps;  // 1-based steps whose update used a freshly computed basis
};

struct OptimizerStateReport {
  std::string optimizer;  // "adamw" | "galore_adamw"
  std::vector<ParameterStateReport> parameters;
  int64_t state_bytes = 0;  // sums over parameters
  int64_t state_bytes_expected = 0;
  int64_t adamw_bytes = 0;
  // The projected matrices alone: an (m, n) matrix with m <= n at rank r expects (mr + 2nr) x
  // element size against AdamW's 2mn (the paper's figure); left/right/full sides use their own.
  int64_t projected_state_bytes_expected = 0;
  int64_t projected_adamw_bytes = 0;
  // Union of every projector's refresh steps, ascending: where the loss curve gets its marks.
  std::vector<int64_t> refresh_steps;
};

}  // namespace prefstudio
