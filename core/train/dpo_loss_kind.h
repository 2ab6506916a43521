// The names of the DPO loss family and their documented defaults (formulas in dpo_loss.h).
// Torch-free, so that dpo_config's parser builds without LibTorch (the fuzzers and the sanitizer
// pass link it).
#pragma once

#include <string>

namespace prefstudio {

enum class DpoLossKind { sigmoid, ipo, cdpo, robust, hinge, sigmoid_norm, simpo };

// "sigmoid" | "ipo" | ...; throws ConfigError naming `field` otherwise.
DpoLossKind parse_dpo_loss_kind(const std::string& name, const std::string& field);
const char* dpo_loss_kind_name(DpoLossKind kind);
// The defaults documented in dpo_loss.h.
double default_dpo_beta(DpoLossKind kind);
double default_dpo_label_smoothing(DpoLossKind kind);
// Whether the loss reads the reference log-probs (all but simpo).
bool dpo_loss_uses_reference(DpoLossKind kind);

}  // namespace prefstudio
