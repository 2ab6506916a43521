// GaloreAdamW: the step, and the serialisation of its options and per-parameter state (projector,
// side, rank, step counter, moments, refresh history) through LibTorch's optimizer archive.
#include "core/optim/galore_adamw.h"

#include <cmath>

#include "core/common/core_error.h"

namespace prefstudio {
namespace {

void check_options(const GaloreAdamWOptions& options) {
  const auto [beta1, beta2] = options.betas();
  if (!(options.lr() >= 0.0)) throw ConfigError("optimizer.lr: must not be negative");
  if (!(beta1 >= 0.0 && beta1 < 1.0)) throw ConfigError("optimizer.beta1: must be in [0, 1)");
  if (!(beta2 >= 0.0 && beta2 < 1.0)) throw ConfigError("optimizer.beta2: must be in [0, 1)");
  if (!(options.eps() > 0.0)) throw ConfigError("optimizer.eps: must be positive");
  if (!(options.weight_decay() >= 0.0)) {
    throw ConfigError("optimizer.weight_decay: must not be negative");
  }
  if (options.rank() < 0) throw ConfigError("optimizer.galore.rank: must not be negative");
  if (options.rank() > 0 && options.update_proj_gap() < 1) {
    throw ConfigError("optimizer.galore.update_proj_gap: must be at least 1");
  }
  if (options.rank() > 0 && !(options.scale() > 0.0)) {
    throw ConfigError("optimizer.galore.scale: must be positive");
  }
}

int64_t read_int(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toInt();
}

double read_double(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toDouble();
}

}  // namespace

GaloreAdamWOptions::GaloreAdamWOptions(double lr) : lr_(lr) {}

void GaloreAdamWOptions::serialize(torch::serialize::OutputArchive& archive) const {
  archive.write("lr", c10::IValue(lr()));
  archive.write("beta1", c10::IValue(std::get<0>(betas())));
  archive.write("beta2", c10::IValue(std::get<1>(betas())));
  archive.write("eps", c10::IValue(eps()));
  archive.write("weight_decay", c10::IValue(weight_decay()));
  archive.write("rank", c10::IValue(rank()));
  archive.write("update_proj_gap", c10::IValue(update_proj_gap()));
  archive.write("scale", c10::IValue(scale()));
  archive.write("proj_type", c10::IValue(static_cast<int64_t>(proj_type())));
}

void GaloreAdamWOptions::serialize(torch::serialize::InputArchive& archive) {
  lr(read_double(archive, "lr"));
  betas(std::make_tuple(read_double(archive, "beta1"), read_double(archive, "beta2")));
  eps(read_double(archive, "eps"));
  weight_decay(read_double(archive, "weight_decay"));
  rank(read_int(archive, "rank"));
  update_proj_gap(read_int(archive, "update_proj_gap"));
  scale(read_double(archive, "scale"));
  const int64_t type = read_int(archive, "proj_type");
  if (type < 0 || type > static_cast<int64_t>(GaloreProjType::kFull)) {
    throw FormatError("GaLore options: invalid proj_type " + std::to_string(type));
  }
  proj_type(static_cast<GaloreProjType>(type));
}

void GaloreAdamWParamState::serialize(torch::serialize::OutputArchive& archive) const {
  archive.write("step", c10::IValue(step()));
  if (exp_avg().defined()) archive.write("exp_avg", exp_avg());
  if (exp_avg_sq().defined()) archive.write("exp_avg_sq", exp_avg_sq());
  archive.write("refresh_steps", c10::IValue(refresh_steps()));
  archive.write("projected", c10::IValue(projected));
  if (projected) {
    torch::serialize::OutputArchive projector_archive(archive.compilation_unit());
    projector.serialize(projector_archive);
    archive.write("projector", projector_archive);
  }
}

void GaloreAdamWParamState::serialize(torch::serialize::InputArchive& archive) {
  step(read_int(archive, "step"));
  torch::Tensor tensor;
  if (archive.try_read("exp_avg", tensor)) exp_avg(tensor);
  torch::Tensor tensor_sq;
  if (archive.try_read("exp_avg_sq", tensor_sq)) exp_avg_sq(tensor_sq);
  c10::IValue value;
  archive.read("refresh_steps", value);
  refresh_steps(value.toIntVector());
  archive.read("projected", value);
  projected = value.toBool();
  if (projected) {
    torch::serialize::InputArchive projector_archive;
    archive.read("projector", projector_archive);
    projector.serialize(projector_archive);
  }
}

GaloreAdamW::GaloreAdamW(std::vector<torch::optim::OptimizerParamGroup> param_groups,
                         GaloreAdamWOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<GaloreAdamWOptions>(defaults)) {
  for (const auto& group : param_groups_) {
    const auto& options = static_cast<const GaloreAdamWOptions&>(group.options());
    check_options(options);
    if (options.rank() == 0) continue;
    for (const auto& param : group.params()) {
      if (param.dim() != 2) {
        throw ConfigError(
            "optimizer.galore.target_modules: GaLore projects 2-D weights only, got a " +
            std::to_string(param.dim()) + "-D parameter");
      }
    }
  }
}

torch::Tensor GaloreAdamW::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const GaloreAdamWOptions&>(group.options());
    for (auto& param : group.params()) {
      if (!param.grad().defined()) continue;
      update_parameter(param, options);
    }
  }
  return loss;
}

void GaloreAdamW::step_parameter(const torch::Tensor& param) {
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    for (const auto& candidate : group.params()) {
      if (!candidate.is_same(param)) continue;
      if (param.grad().defined()) {
        update_parameter(param, static_cast<const GaloreAdamWOptions&>(group.options()));
      }
      return;
    }
  }
  throw CoreError("GaloreAdamW::step_parameter: the tensor is not a parameter of this optimizer");
}

void GaloreAdamW::update_parameter(const torch::Tensor& param, const GaloreAdamWOptions& options) {
  const torch::Tensor& grad = param.grad();
  if (grad.is_sparse()) throw CoreError("GaloreAdamW does not support sparse gradients");
  const std::string key = c10::guts::to_string(param.unsafeGetTensorImpl());
  auto found = state_.find(key);
  if (found == state_.end()) {
    auto fresh = std::make_unique<GaloreAdamWParamState>();
    fresh->projected = options.rank() > 0;
    if (fresh->projected) fresh->projector = GaloreProjector(options.rank(), options.proj_type());
    found = state_.emplace(key, std::move(fresh)).first;
  }
  auto& state = static_cast<GaloreAdamWParamState&>(*found->second);

  torch::Tensor low_rank = grad;  // R: (m, n), or projected (r, n) | (m, r) | (r, r)
  if (state.projected) {
    // The authors refresh when the count of previous steps is a multiple of the gap: 0, gap, ...
    if (!state.projector.ready() || state.step() % options.update_proj_gap() == 0) {
      state.projector.refresh(grad);
      state.refresh_steps().push_back(state.step() + 1);
    }
    low_rank = state.projector.project(grad);
  }
  if (!state.exp_avg().defined()) {
    state.exp_avg(torch::zeros_like(low_rank));
    state.exp_avg_sq(torch::zeros_like(low_rank));
  } else if (!state.exp_avg().sizes().equals(low_rank.sizes())) {
    throw CoreError("GaloreAdamW: moments of shape " + c10::str(state.exp_avg().sizes()) +
                    " do not match the projected gradient " + c10::str(low_rank.sizes()) +
                    " (state loaded from a run with another rank or proj_type?)");
  }
  state.step(state.step() + 1);
  const auto [beta1, beta2] = options.betas();
  auto& exp_avg = state.exp_avg();
  auto& exp_avg_sq = state.exp_avg_sq();
  exp_avg.mul_(beta1).add_(low_rank, 1.0 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(low_rank, low_rank, 1.0 - beta2);
  const torch::Tensor denom = exp_avg_sq.sqrt().add_(options.eps());
  const double t = static_cast<double>(state.step());
  const double bias_correction1 = 1.0 - std::pow(beta1, t);
  const double bias_correction2 = 1.0 - std::pow(beta2, t);
  const double step_size = options.lr() * std::sqrt(bias_correction2) / bias_correction1;
  torch::Tensor update = exp_avg / denom;  // N, in R's shape
  if (state.projected) {
    update = state.projector.project_back(update).mul_(options.scale());  // (m, n)
  }
  param.add_(update, -step_size);  // ATen's in-place ops are const on the handle
  if (options.weight_decay() > 0.0) param.add_(param, -options.lr() * options.weight_decay());
}

void GaloreAdamW::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<GaloreAdamWParamState, GaloreAdamWOptions>(archive, *this);
}

void GaloreAdamW::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<GaloreAdamWParamState, GaloreAdamWOptions>(archive, *this);
}

}  // namespace prefstudio
