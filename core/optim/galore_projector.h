// One GaLore projector: the top singular vectors of a 2-D weight's gradient on one side (or both),
// as the authors' GaLoreProjector computes them, minus its int4 quantisation and >2-D tensors.
// Internal header of core (torch). The side used is stored at refresh time and project_back reads
// it, never re-deriving it from the shape of what it is given.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace prefstudio {

// Which side a projector takes, as configured (GaloreConfig::proj_type).
enum class GaloreProjType {
  kStd,         // m >= n: right (Vh[:r]); m < n: left (U[:, :r]): always the smaller side
  kReverseStd,  // the larger side: m >= n: left, else right
  kLeft,        // always U[:, :r]
  kRight,       // always Vh[:r]
  kFull,        // both: U[:, :r] and Vh[:r], the moments are (r, r)
};

// The side a projector actually uses for one matrix; kNone before its first refresh.
enum class GaloreSide { kNone = 0, kLeft = 1, kRight = 2, kFull = 3 };

// "std" | "reverse_std" | "left" | "right" | "full"; anything else throws ConfigError naming
// `field`.
GaloreProjType galore_proj_type_from_string(
    const std::string& name, const std::string& field = "optimizer.galore.proj_type");
std::string to_string(GaloreProjType type);
std::string to_string(GaloreSide side);

// The side `type` picks for an (m, n) matrix: known before any gradient is seen.
GaloreSide galore_side_for(GaloreProjType type, int64_t m, int64_t n);

class GaloreProjector {
 public:
  GaloreProjector() = default;
  // `rank` >= 1; clamped to min(m, n) at each refresh (a larger rank cannot add directions).
  GaloreProjector(int64_t rank, GaloreProjType type);

  // Recomputes the projector from `grad` (m, n): SVD in float32, the basis kept in grad's dtype
  // and device. Throws CoreError if grad is not 2-D.
  void refresh(const torch::Tensor& grad);
  // (m, n) -> left: (r, n) = U_r^T G; right: (m, r) = G V_r; full: (r, r) = U_r^T G V_r.
  torch::Tensor project(const torch::Tensor& grad) const;
  // The inverse map of project onto the (m, n) space, without any scale factor.
  torch::Tensor project_back(const torch::Tensor& low_rank) const;

  bool ready() const { return side_ != GaloreSide::kNone; }
  GaloreSide side() const { return side_; }
  GaloreProjType type() const { return type_; }
  int64_t rank_requested() const { return rank_; }
  // Effective rank after clamping; 0 before the first refresh.
  int64_t rank() const { return rank_used_; }
  const torch::Tensor& left() const { return left_; }    // (m, r) or undefined
  const torch::Tensor& right() const { return right_; }  // (r, n) or undefined
  // Bytes held by the basis matrices.
  int64_t state_bytes() const;

  // Checkpoint support: writes/reads side, ranks, type and the basis matrices. Reading checks
  // that the stored fields are consistent and throws FormatError otherwise.
  void serialize(torch::serialize::OutputArchive& archive) const;
  void serialize(torch::serialize::InputArchive& archive);

 private:
  int64_t rank_ = 1;
  GaloreProjType type_ = GaloreProjType::kStd;
  GaloreSide side_ = GaloreSide::kNone;
  int64_t rank_used_ = 0;
  torch::Tensor left_;   // U[:, :r], (m, r)
  torch::Tensor right_;  // Vh[:r, :], (r, n)
};

}  // namespace prefstudio
