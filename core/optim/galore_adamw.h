// GaLore-AdamW (Zhao et al. 2024, Algorithm 2) as a LibTorch optimizer: a parameter group whose
// options have rank > 0 runs Adam on the low-rank projection of each 2-D gradient; a group with
// rank 0 is the authors' plain AdamW. Leaves out the paper's 8-bit variant and >2-D tensor
// projection; per-layer updates during backward are PerLayerUpdates. Internal header of core
// (torch).
//
// Update of one parameter W with gradient G at step t (1-based), as the authors' adamw.py runs it:
//   projected group: every update_proj_gap steps (and at t = 1) refresh the projector from G;
//                    R = project(G), else R = G
//   m = b1 m + (1-b1) R;  v = b2 v + (1-b2) R^2;  N = m / (sqrt(v) + eps)
//   W -= lr * sqrt(1 - b2^t) / (1 - b1^t) * scale * project_back(N)   (scale only when projected)
//   W -= lr * weight_decay * W                                          (decoupled, after)
// m and v live in the projected shape and carry over when the projector is refreshed.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/optim/galore_projector.h"

namespace prefstudio {

struct GaloreAdamWOptions : public torch::optim::OptimizerCloneableOptions<GaloreAdamWOptions> {
  GaloreAdamWOptions(double lr = 1e-3);  // NOLINT: LibTorch's serializer constructs from 0
  TORCH_ARG(double, lr) = 1e-3;
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-6;          // the authors' default
  TORCH_ARG(double, weight_decay) = 0.0;  // decoupled, applied after the update
  TORCH_ARG(int64_t, rank) = 0;           // 0: plain AdamW group; > 0: GaLore, 2-D params only
  TORCH_ARG(int64_t, update_proj_gap) = 200;
  TORCH_ARG(double, scale) = 1.0;
  TORCH_ARG(GaloreProjType, proj_type) = GaloreProjType::kStd;

 public:
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct GaloreAdamWParamState
    : public torch::optim::OptimizerCloneableParamState<GaloreAdamWParamState> {
  bool projected = false;  // whether `projector` is in use (a GaLore group's parameter)
  GaloreProjector projector;
  TORCH_ARG(int64_t, step) = 0;       // updates applied to this parameter so far
  TORCH_ARG(torch::Tensor, exp_avg);  // m, in the projected shape where projected
  TORCH_ARG(torch::Tensor, exp_avg_sq);
  // Steps (1-based, the step whose update used the new basis) at which the projector was refreshed.
  TORCH_ARG(std::vector<int64_t>, refresh_steps);

 public:
  void serialize(torch::serialize::InputArchive& archive) override;
  void serialize(torch::serialize::OutputArchive& archive) const override;
};

class GaloreAdamW : public torch::optim::Optimizer {
 public:
  // Throws ConfigError if a GaLore group (rank > 0) holds a parameter that is not 2-D, or an
  // option is out of range (the message names the option).
  explicit GaloreAdamW(std::vector<torch::optim::OptimizerParamGroup> param_groups,
                       GaloreAdamWOptions defaults = {});

  torch::Tensor step(LossClosure closure = nullptr) override;
  // Updates one parameter from its current .grad, as step() would (per-layer updates during
  // backward call this). Throws CoreError if `param` is in no group of this optimizer.
  void step_parameter(const torch::Tensor& param);
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void update_parameter(const torch::Tensor& param, const GaloreAdamWOptions& options);
};

}  // namespace prefstudio
