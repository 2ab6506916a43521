// State-size report and checkpoint save/load for LibTorch AdamW and GaloreAdamW. The file is a
// LibTorch archive: {"kind", "format_version", "optimizer": <the optimizer's own archive>}.
#include "core/optim/optimizer_state.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/optim/galore_adamw.h"

namespace prefstudio {
namespace {

constexpr int64_t kFormatVersion = 1;

int64_t tensor_bytes(const torch::Tensor& tensor) {
  return tensor.defined() ? tensor.numel() * static_cast<int64_t>(tensor.element_size()) : 0;
}

std::string kind_of(const torch::optim::Optimizer& optimizer) {
  if (dynamic_cast<const GaloreAdamW*>(&optimizer) != nullptr) return "galore_adamw";
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer) != nullptr) return "adamw";
  throw CoreError("optimizer state: only AdamW and GaloreAdamW are supported");
}

std::string state_key(const torch::Tensor& param) {
  return c10::guts::to_string(param.unsafeGetTensorImpl());
}

const torch::optim::OptimizerParamState* find_state(const torch::optim::Optimizer& optimizer,
                                                    const torch::Tensor& param) {
  auto found = optimizer.state().find(state_key(param));
  return found == optimizer.state().end() ? nullptr : found->second.get();
}

// Fills the GaLore fields of one parameter's report: expected bytes by the formula, actual bytes.
void report_galore(const GaloreAdamWOptions& options, const torch::Tensor& param,
                   const GaloreAdamWParamState* state, ParameterStateReport& out) {
  const int64_t element = static_cast<int64_t>(param.element_size());
  if (options.rank() > 0) {
    const int64_t m = param.size(0);
    const int64_t n = param.size(1);
    const int64_t r = std::min({options.rank(), m, n});
    const GaloreSide side = galore_side_for(options.proj_type(), m, n);
    out.projected = true;
    out.side = to_string(side);
    out.rank = r;
    int64_t numbers = 0;
    if (side == GaloreSide::kLeft) numbers = m * r + 2 * r * n;   // U_r and moments (r, n)
    if (side == GaloreSide::kRight) numbers = r * n + 2 * m * r;  // V_r and moments (m, r)
    if (side == GaloreSide::kFull) numbers = m * r + r * n + 2 * r * r;
    out.state_bytes_expected = numbers * element;
  } else {
    out.state_bytes_expected = 2 * param.numel() * element;
  }
  if (state == nullptr) return;
  out.step = state->step();
  out.refresh_steps = state->refresh_steps();
  out.state_bytes = tensor_bytes(state->exp_avg()) + tensor_bytes(state->exp_avg_sq()) +
                    (state->projected ? state->projector.state_bytes() : 0);
}

void report_adamw(const torch::Tensor& param, const torch::optim::AdamWParamState* state,
                  ParameterStateReport& out) {
  out.state_bytes_expected = 2 * param.numel() * static_cast<int64_t>(param.element_size());
  if (state == nullptr) return;
  out.step = state->step();
  out.state_bytes = tensor_bytes(state->exp_avg()) + tensor_bytes(state->exp_avg_sq()) +
                    tensor_bytes(state->max_exp_avg_sq());
}

[[noreturn]] void fail_load(const std::string& path, const std::string& what) {
  throw FormatError(path + ": " + what);
}

void check_same_shape(const std::string& path, const torch::Tensor& tensor,
                      at::IntArrayRef expected, const std::string& what) {
  if (!tensor.defined() || !tensor.sizes().equals(expected)) {
    fail_load(path, what + " has shape " +
                        (tensor.defined() ? c10::str(tensor.sizes()) : std::string("(none)")) +
                        ", the optimizer expects " + c10::str(expected));
  }
}

// After a load: every restored state must fit its parameter and its group's GaLore settings.
void check_galore_state(const std::string& path, const GaloreAdamWOptions& options,
                        const torch::Tensor& param, const GaloreAdamWParamState& state,
                        const std::string& where) {
  if (state.projected != (options.rank() > 0)) {
    fail_load(path, where + " was saved " + (state.projected ? "with" : "without") +
                        " GaLore projection; the run's optimizer differs");
  }
  if (!state.exp_avg().defined()) return;
  if (!state.projected) {
    check_same_shape(path, state.exp_avg(), param.sizes(), where + " exp_avg");
    check_same_shape(path, state.exp_avg_sq(), param.sizes(), where + " exp_avg_sq");
    return;
  }
  const auto& projector = state.projector;
  if (projector.rank_requested() != options.rank() || projector.type() != options.proj_type()) {
    fail_load(path, where + " was saved with rank " + std::to_string(projector.rank_requested()) +
                        " and proj_type " + to_string(projector.type()) +
                        ", the run asks for rank " + std::to_string(options.rank()) + " and " +
                        to_string(options.proj_type()));
  }
  const int64_t m = param.size(0);
  const int64_t n = param.size(1);
  if (!projector.ready() || projector.side() != galore_side_for(projector.type(), m, n) ||
      projector.rank() != std::min({options.rank(), m, n}) ||
      (projector.left().defined() && projector.left().size(0) != m) ||
      (projector.right().defined() && projector.right().size(1) != n)) {
    fail_load(path, where + " has a projector that does not fit a " + std::to_string(m) + "x" +
                        std::to_string(n) + " matrix");
  }
  const int64_t r = projector.rank();
  std::vector<int64_t> projected_shape = {m, n};
  if (projector.side() == GaloreSide::kLeft) projected_shape = {r, n};
  if (projector.side() == GaloreSide::kRight) projected_shape = {m, r};
  if (projector.side() == GaloreSide::kFull) projected_shape = {r, r};
  check_same_shape(path, state.exp_avg(), projected_shape, where + " exp_avg");
  check_same_shape(path, state.exp_avg_sq(), projected_shape, where + " exp_avg_sq");
}

void check_loaded_state(const std::string& path, const torch::optim::Optimizer& optimizer,
                        bool galore) {
  const auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      const auto* state = find_state(optimizer, params[i]);
      if (state == nullptr) continue;
      const std::string where = "group " + std::to_string(g) + " parameter " + std::to_string(i);
      if (galore) {
        check_galore_state(path, static_cast<const GaloreAdamWOptions&>(groups[g].options()),
                           params[i], static_cast<const GaloreAdamWParamState&>(*state), where);
      } else {
        const auto& adamw = static_cast<const torch::optim::AdamWParamState&>(*state);
        check_same_shape(path, adamw.exp_avg(), params[i].sizes(), where + " exp_avg");
        check_same_shape(path, adamw.exp_avg_sq(), params[i].sizes(), where + " exp_avg_sq");
      }
    }
  }
}

}  // namespace

OptimizerStateReport report_optimizer_state(const torch::optim::Optimizer& optimizer,
                                            const NamedParameters& names) {
  OptimizerStateReport report;
  report.optimizer = kind_of(optimizer);
  const bool galore = report.optimizer == "galore_adamw";
  std::unordered_map<const void*, std::string> name_of;
  for (const auto& [name, tensor] : names) name_of[tensor.unsafeGetTensorImpl()] = name;
  std::set<int64_t> refresh_steps;
  const auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& params = groups[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      const torch::Tensor& param = params[i];
      ParameterStateReport entry;
      auto named = name_of.find(param.unsafeGetTensorImpl());
      entry.name = named != name_of.end()
                       ? named->second
                       : "group" + std::to_string(g) + ".param" + std::to_string(i);
      entry.shape = param.sizes().vec();
      entry.adamw_bytes = 2 * param.numel() * static_cast<int64_t>(param.element_size());
      const auto* state = find_state(optimizer, param);
      if (galore) {
        report_galore(static_cast<const GaloreAdamWOptions&>(groups[g].options()), param,
                      static_cast<const GaloreAdamWParamState*>(state), entry);
      } else {
        report_adamw(param, static_cast<const torch::optim::AdamWParamState*>(state), entry);
      }
      report.state_bytes += entry.state_bytes;
      report.state_bytes_expected += entry.state_bytes_expected;
      report.adamw_bytes += entry.adamw_bytes;
      if (entry.projected) {
        report.projected_state_bytes_expected += entry.state_bytes_expected;
        report.projected_adamw_bytes += entry.adamw_bytes;
      }
      refresh_steps.insert(entry.refresh_steps.begin(), entry.refresh_steps.end());
      report.parameters.push_back(std::move(entry));
    }
  }
  report.refresh_steps.assign(refresh_steps.begin(), refresh_steps.end());
  return report;
}

void save_optimizer_state(const torch::optim::Optimizer& optimizer, const std::string& path) {
  const std::string kind = kind_of(optimizer);
  const std::string temp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    archive.write("kind", c10::IValue(kind));
    archive.write("format_version", c10::IValue(kFormatVersion));
    torch::serialize::OutputArchive inner(archive.compilation_unit());
    optimizer.save(inner);
    archive.write("optimizer", inner);
    archive.save_to(temp);
    rename_durably(temp, path);  // beside the checkpoint's weights, as durable as they are
  } catch (const std::exception& error) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw CoreError("cannot write optimizer state to " + path + ": " + error.what());
  }
}

void load_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& path,
                          torch::Device device) {
  const std::string kind = kind_of(optimizer);
  if (!std::filesystem::is_regular_file(path)) fail_load(path, "no such file");
  // Kept to put back if anything below fails: a load is all or nothing.
  std::map<std::string, std::unique_ptr<torch::optim::OptimizerParamState>> backup;
  for (const auto& [key, state] : optimizer.state()) backup[key] = state->clone();
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    c10::IValue value;
    if (!archive.try_read("kind", value) || !value.isString()) {
      fail_load(path, "not an optimizer state file (no 'kind')");
    }
    if (value.toStringRef() != kind) {
      fail_load(path, "holds " + value.toStringRef() + " state, the run's optimizer is " + kind);
    }
    if (!archive.try_read("format_version", value) || value.toInt() != kFormatVersion) {
      fail_load(path, "unsupported format_version");
    }
    torch::serialize::InputArchive inner;
    archive.read("optimizer", inner);
    optimizer.state().clear();
    optimizer.load(inner);
    check_loaded_state(path, optimizer, kind == "galore_adamw");
  } catch (const std::exception& error) {
    optimizer.state().clear();
    for (auto& [key, state] : backup) optimizer.state()[key] = std::move(state);
    if (dynamic_cast<const FormatError*>(&error) != nullptr) throw;
    fail_load(path, std::string("cannot load optimizer state: ") + error.what());
  }
}

}  // namespace prefstudio
