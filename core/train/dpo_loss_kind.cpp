// The DPO loss names and defaults (see dpo_loss.h for the formulas behind them).
#include "core/train/dpo_loss_kind.h"

#include "core/common/core_error.h"

namespace prefstudio {

namespace {

struct KindName {
  DpoLossKind kind;
  const char* name;
};

constexpr KindName kKinds[] = {
    {DpoLossKind::sigmoid, "sigmoid"}, {DpoLossKind::ipo, "ipo"},
    {DpoLossKind::cdpo, "cdpo"},       {DpoLossKind::robust, "robust"},
    {DpoLossKind::hinge, "hinge"},     {DpoLossKind::sigmoid_norm, "sigmoid_norm"},
    {DpoLossKind::simpo, "simpo"}};

}  // namespace

DpoLossKind parse_dpo_loss_kind(const std::string& name, const std::string& field) {
  std::string known;
  for (const auto& [kind, kind_name] : kKinds) {
    if (name == kind_name) return kind;
    known += (known.empty() ? "" : ", ") + std::string(kind_name);
  }
  throw ConfigError(field + ": '" + name + "' is not one of " + known);
}

const char* dpo_loss_kind_name(DpoLossKind kind) {
  for (const auto& [k, name] : kKinds)
    if (k == kind) return name;
  return "?";
}

double default_dpo_beta(DpoLossKind kind) {
  switch (kind) {
    case DpoLossKind::sigmoid_norm:
      return 5.0;
    case DpoLossKind::simpo:
      return 2.0;
    default:
      return 0.1;
  }
}

double default_dpo_label_smoothing(DpoLossKind kind) {
  return kind == DpoLossKind::cdpo || kind == DpoLossKind::robust ? 0.1 : 0.0;
}

bool dpo_loss_uses_reference(DpoLossKind kind) { return kind != DpoLossKind::simpo; }

}  // namespace prefstudio
