// GaloreProjector: SVD of a gradient, projection onto the kept singular vectors and back.
// The matmul orders copy the authors' galore_projector.py so results agree to float rounding.
#include "core/optim/galore_projector.h"

#include <algorithm>

#include "core/common/core_error.h"

namespace prefstudio {

GaloreProjType galore_proj_type_from_string(const std::string& name, const std::string& field) {
  if (name == "std") return GaloreProjType::kStd;
  if (name == "reverse_std") return GaloreProjType::kReverseStd;
  if (name == "left") return GaloreProjType::kLeft;
  if (name == "right") return GaloreProjType::kRight;
  if (name == "full") return GaloreProjType::kFull;
  throw ConfigError(field + ": '" + name + "' is not one of std, reverse_std, left, right, full");
}

std::string to_string(GaloreProjType type) {
  switch (type) {
    case GaloreProjType::kStd:
      return "std";
    case GaloreProjType::kReverseStd:
      return "reverse_std";
    case GaloreProjType::kLeft:
      return "left";
    case GaloreProjType::kRight:
      return "right";
    case GaloreProjType::kFull:
      return "full";
  }
  return "?";
}

std::string to_string(GaloreSide side) {
  switch (side) {
    case GaloreSide::kNone:
      return "none";
    case GaloreSide::kLeft:
      return "left";
    case GaloreSide::kRight:
      return "right";
    case GaloreSide::kFull:
      return "full";
  }
  return "?";
}

GaloreSide galore_side_for(GaloreProjType type, int64_t m, int64_t n) {
  switch (type) {
    case GaloreProjType::kStd:
      return m >= n ? GaloreSide::kRight : GaloreSide::kLeft;
    case GaloreProjType::kReverseStd:
      return m >= n ? GaloreSide::kLeft : GaloreSide::kRight;
    case GaloreProjType::kLeft:
      return GaloreSide::kLeft;
    case GaloreProjType::kRight:
      return GaloreSide::kRight;
    case GaloreProjType::kFull:
      return GaloreSide::kFull;
  }
  return GaloreSide::kNone;
}

GaloreProjector::GaloreProjector(int64_t rank, GaloreProjType type) : rank_(rank), type_(type) {
  if (rank < 1) throw ConfigError("optimizer.galore.rank: must be at least 1");
}

void GaloreProjector::refresh(const torch::Tensor& grad) {
  if (grad.dim() != 2) {
    throw CoreError("GaLore projector needs a 2-D gradient, got " + std::to_string(grad.dim()) +
                    "-D");
  }
  torch::NoGradGuard no_grad;
  const int64_t m = grad.size(0);
  const int64_t n = grad.size(1);
  const int64_t r = std::min({rank_, m, n});
  // The SVD runs in float32 whatever the training dtype (bf16 has no LAPACK path).
  auto [u, s, vh] = torch::linalg::svd(grad.to(torch::kFloat32), /*full_matrices=*/false,
                                       /*driver=*/c10::nullopt);  // (m, k), (k), (k, n)
  side_ = galore_side_for(type_, m, n);
  rank_used_ = r;
  left_ = torch::Tensor();
  right_ = torch::Tensor();
  if (side_ == GaloreSide::kLeft || side_ == GaloreSide::kFull) {
    left_ = u.slice(1, 0, r).contiguous().to(grad.dtype());  // (m, r)
  }
  if (side_ == GaloreSide::kRight || side_ == GaloreSide::kFull) {
    right_ = vh.slice(0, 0, r).contiguous().to(grad.dtype());  // (r, n)
  }
}

torch::Tensor GaloreProjector::project(const torch::Tensor& grad) const {
  switch (side_) {
    case GaloreSide::kLeft:
      return torch::matmul(left_.t(), grad);  // (r, n)
    case GaloreSide::kRight:
      return torch::matmul(grad, right_.t());  // (m, r)
    case GaloreSide::kFull:
      return torch::matmul(torch::matmul(left_.t(), grad), right_.t());  // (r, r)
    case GaloreSide::kNone:
      break;
  }
  throw CoreError("GaLore projector used before its first refresh");
}

torch::Tensor GaloreProjector::project_back(const torch::Tensor& low_rank) const {
  switch (side_) {
    case GaloreSide::kLeft:
      return torch::matmul(left_, low_rank);  // (m, n)
    case GaloreSide::kRight:
      return torch::matmul(low_rank, right_);  // (m, n)
    case GaloreSide::kFull:
      return torch::matmul(torch::matmul(left_, low_rank), right_);  // (m, n)
    case GaloreSide::kNone:
      break;
  }
  throw CoreError("GaLore projector used before its first refresh");
}

int64_t GaloreProjector::state_bytes() const {
  int64_t bytes = 0;
  if (left_.defined()) bytes += left_.numel() * static_cast<int64_t>(left_.element_size());
  if (right_.defined()) bytes += right_.numel() * static_cast<int64_t>(right_.element_size());
  return bytes;
}

void GaloreProjector::serialize(torch::serialize::OutputArchive& archive) const {
  archive.write("rank", c10::IValue(rank_));
  archive.write("type", c10::IValue(static_cast<int64_t>(type_)));
  archive.write("side", c10::IValue(static_cast<int64_t>(side_)));
  archive.write("rank_used", c10::IValue(rank_used_));
  if (left_.defined()) archive.write("left", left_);
  if (right_.defined()) archive.write("right", right_);
}

void GaloreProjector::serialize(torch::serialize::InputArchive& archive) {
  c10::IValue value;
  archive.read("rank", value);
  rank_ = value.toInt();
  archive.read("type", value);
  const int64_t type = value.toInt();
  archive.read("side", value);
  const int64_t side = value.toInt();
  archive.read("rank_used", value);
  rank_used_ = value.toInt();
  if (type < 0 || type > static_cast<int64_t>(GaloreProjType::kFull) || side < 0 ||
      side > static_cast<int64_t>(GaloreSide::kFull) || rank_ < 1 || rank_used_ < 0) {
    throw FormatError("GaLore projector state: invalid type, side or rank");
  }
  type_ = static_cast<GaloreProjType>(type);
  side_ = static_cast<GaloreSide>(side);
  left_ = torch::Tensor();
  right_ = torch::Tensor();
  archive.try_read("left", left_);
  archive.try_read("right", right_);
  const bool needs_left = side_ == GaloreSide::kLeft || side_ == GaloreSide::kFull;
  const bool needs_right = side_ == GaloreSide::kRight || side_ == GaloreSide::kFull;
  if (needs_left != left_.defined() || needs_right != right_.defined() ||
      (left_.defined() && (left_.dim() != 2 || left_.size(1) != rank_used_)) ||
      (right_.defined() && (right_.dim() != 2 || right_.size(0) != rank_used_))) {
    throw FormatError("GaLore projector state: basis matrices do not match side '" +
                      to_string(side_) + "' and rank " + std::to_string(rank_used_));
  }
}

}  // namespace prefstudio
