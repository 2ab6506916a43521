// Reporting, saving and loading the state of the optimizers make_optimizer builds (LibTorch AdamW
// and GaloreAdamW). Internal header of core (torch). Other optimizer types throw CoreError.
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/optim/optimizer_factory.h"
#include "core/optim/optimizer_state_report.h"

namespace prefstudio {

// The file name a trainer gives the state inside a checkpoint folder: <checkpoint>/optimizer.pt.
constexpr const char* kOptimizerStateFileName = "optimizer.pt";

// Sizes of the state held now and expected once every parameter has stepped. `names` (optional,
// the list make_optimizer was given) labels parameters; unnamed ones read "group<g>.param<i>".
OptimizerStateReport report_optimizer_state(const torch::optim::Optimizer& optimizer,
                                            const NamedParameters& names = {});

// Writes everything needed to resume exactly (moments, step counters, GaLore bases with their
// side and rank, refresh history, group options) to `path` (e.g. <checkpoint>/optimizer.pt), as
// a LibTorch archive tagged with the optimizer kind. Written to "<path>.tmp", synced and renamed
// (then the folder synced), so a crash or a power cut leaves the old file or the new one. Throws
// CoreError naming the path on failure.
void save_optimizer_state(const torch::optim::Optimizer& optimizer, const std::string& path);

// Loads a file save_optimizer_state wrote into `optimizer`, which must have been built the same
// way (same kind, groups and parameter shapes, same GaLore rank/proj_type); tensors are placed on
// `device`. Throws FormatError naming the file and what disagrees; the optimizer is unchanged then.
void load_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& path,
                          torch::Device device);

}  // namespace prefstudio
