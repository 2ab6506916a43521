// make_optimizer: sorts a model's named parameters into weight-decay and GaLore groups and builds
// LibTorch's AdamW or our GaloreAdamW over them; set_learning_rate for the trainers' schedules.
#include "core/optim/optimizer_factory.h"

#include <unordered_set>

#include "core/common/core_error.h"
#include "core/optim/galore_adamw.h"

namespace prefstudio {
namespace {

struct ParameterGroups {
  std::vector<torch::Tensor> galore;    // projected, decayed
  std::vector<torch::Tensor> decay;     // plain AdamW, decayed
  std::vector<torch::Tensor> no_decay;  // plain AdamW, weight_decay 0
};

bool is_galore_target(const std::string& name, const torch::Tensor& parameter,
                      const GaloreConfig& galore) {
  if (parameter.dim() != 2) return false;
  for (const auto& target : galore.target_modules) {
    if (name.find(target) != std::string::npos) return true;
  }
  return false;
}

ParameterGroups sort_parameters(const NamedParameters& parameters, bool use_galore,
                                const GaloreConfig& galore) {
  ParameterGroups groups;
  std::unordered_set<const void*> seen;
  for (const auto& [name, parameter] : parameters) {
    if (!parameter.defined() || !parameter.requires_grad()) continue;
    if (!seen.insert(parameter.unsafeGetTensorImpl()).second) continue;  // tied weight
    if (use_galore && is_galore_target(name, parameter, galore)) {
      groups.galore.push_back(parameter);
    } else if (parameter_gets_weight_decay(name, parameter)) {
      groups.decay.push_back(parameter);
    } else {
      groups.no_decay.push_back(parameter);
    }
  }
  return groups;
}

std::unique_ptr<torch::optim::Optimizer> make_adamw(const OptimizerConfig& config,
                                                    const ParameterGroups& groups) {
  auto options = [&](double weight_decay) {
    return torch::optim::AdamWOptions(config.lr)
        .betas(std::make_tuple(config.beta1, config.beta2))
        .eps(config.eps)
        .weight_decay(weight_decay);
  };
  std::vector<torch::optim::OptimizerParamGroup> list;
  if (!groups.decay.empty()) {
    list.emplace_back(groups.decay,
                      std::make_unique<torch::optim::AdamWOptions>(options(config.weight_decay)));
  }
  if (!groups.no_decay.empty()) {
    list.emplace_back(groups.no_decay, std::make_unique<torch::optim::AdamWOptions>(options(0.0)));
  }
  return std::make_unique<torch::optim::AdamW>(std::move(list), options(config.weight_decay));
}

std::unique_ptr<torch::optim::Optimizer> make_galore_adamw(const OptimizerConfig& config,
                                                           const ParameterGroups& groups) {
  const GaloreProjType proj_type = galore_proj_type_from_string(config.galore.proj_type);
  if (config.galore.rank < 1) throw ConfigError("optimizer.galore.rank: must be at least 1");
  if (config.galore.update_proj_gap < 1) {
    throw ConfigError("optimizer.galore.update_proj_gap: must be at least 1");
  }
  if (groups.galore.empty()) {
    throw ConfigError(
        "optimizer.galore.target_modules: no 2-D trainable parameter name contains any of them");
  }
  auto options = [&](double weight_decay, int64_t rank) {
    return GaloreAdamWOptions(config.lr)
        .betas(std::make_tuple(config.beta1, config.beta2))
        .eps(config.eps)
        .weight_decay(weight_decay)
        .rank(rank)
        .update_proj_gap(config.galore.update_proj_gap)
        .scale(config.galore.scale)
        .proj_type(proj_type);
  };
  std::vector<torch::optim::OptimizerParamGroup> list;
  list.emplace_back(groups.galore, std::make_unique<GaloreAdamWOptions>(
                                       options(config.weight_decay, config.galore.rank)));
  if (!groups.decay.empty()) {
    list.emplace_back(groups.decay,
                      std::make_unique<GaloreAdamWOptions>(options(config.weight_decay, 0)));
  }
  if (!groups.no_decay.empty()) {
    list.emplace_back(groups.no_decay, std::make_unique<GaloreAdamWOptions>(options(0.0, 0)));
  }
  return std::make_unique<GaloreAdamW>(std::move(list), options(config.weight_decay, 0));
}

}  // namespace

bool parameter_gets_weight_decay(const std::string& name, const torch::Tensor& parameter) {
  if (parameter.dim() < 2) return false;
  for (const char* marker : {"wte", "wpe", "emb"}) {
    if (name.find(marker) != std::string::npos) return false;
  }
  return true;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        const NamedParameters& parameters) {
  if (config.name != "adamw" && config.name != "galore_adamw") {
    throw ConfigError("optimizer.name: '" + config.name + "' is not one of adamw, galore_adamw");
  }
  const bool use_galore = config.name == "galore_adamw";
  const ParameterGroups groups = sort_parameters(parameters, use_galore, config.galore);
  if (groups.galore.empty() && groups.decay.empty() && groups.no_decay.empty()) {
    throw CoreError("make_optimizer: no trainable parameters");
  }
  try {
    return use_galore ? make_galore_adamw(config, groups) : make_adamw(config, groups);
  } catch (const c10::Error& error) {
    // LibTorch's own range checks (AdamW's betas, eps): turn them into a config error.
    throw ConfigError(std::string("optimizer: ") + error.what_without_backtrace());
  }
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace prefstudio
