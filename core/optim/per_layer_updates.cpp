// PerLayerUpdates: a post hook on each parameter's AccumulateGrad node runs that parameter's
// GaloreAdamW update and drops its gradient.
#include "core/optim/per_layer_updates.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include "core/common/core_error.h"

namespace prefstudio {
namespace {

class UpdateAfterAccumulate : public torch::autograd::FunctionPostHook {
 public:
  UpdateAfterAccumulate(GaloreAdamW* optimizer, torch::Tensor param)
      : optimizer_(optimizer), param_(std::move(param)) {}

  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list&) override {
    torch::NoGradGuard no_grad;
    optimizer_->step_parameter(param_);
    param_.mutable_grad() = torch::Tensor();  // frees this layer's full-size gradient now
    return outputs;
  }

 private:
  GaloreAdamW* optimizer_;
  torch::Tensor param_;
};

}  // namespace

PerLayerUpdates::PerLayerUpdates(GaloreAdamW& optimizer) {
  for (const auto& group : optimizer.param_groups()) {
    for (const auto& param : group.params()) {
      if (!param.requires_grad() || !param.is_leaf()) {
        throw CoreError("PerLayerUpdates: every parameter must be a leaf that requires grad");
      }
      auto accumulator = torch::autograd::impl::grad_accumulator(param);
      hook_keys_.push_back(
          accumulator->add_post_hook(std::make_unique<UpdateAfterAccumulate>(&optimizer, param)));
      accumulators_.push_back(std::move(accumulator));
    }
  }
}

PerLayerUpdates::~PerLayerUpdates() {
  for (size_t i = 0; i < accumulators_.size(); ++i) {
    accumulators_[i]->del_post_hook(hook_keys_[i]);
  }
}

}  // namespace prefstudio
