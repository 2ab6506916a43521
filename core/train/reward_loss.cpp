// reward_ranking_loss (see reward_loss.h for the formulas). Each ranking's pairs are gathered as
// index tensors into the batch's scores, so the loss is a handful of vectorised ops per ranking and
// its gradient flows to every score.
#include "core/train/reward_loss.h"

#include <algorithm>
#include <numeric>

#include "core/common/core_error.h"

namespace prefstudio {

RewardLossKind parse_reward_loss_kind(const std::string& name, const std::string& field) {
  if (name == "pairwise") return RewardLossKind::pairwise;
  if (name == "plackett_luce") return RewardLossKind::plackett_luce;
  throw ConfigError(field + ": '" + name + "' is not one of pairwise, plackett_luce");
}

const char* reward_loss_kind_name(RewardLossKind kind) {
  return kind == RewardLossKind::pairwise ? "pairwise" : "plackett_luce";
}

namespace {

bool has_tie(const std::vector<int>& ranks) {
  std::vector<int> sorted = ranks;
  std::sort(sorted.begin(), sorted.end());
  return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
}

// -1/(K-1) * sum_{i<K-1} [r_s(i) - logsumexp_{j>=i} r_s(j)] for a strict ranking.
torch::Tensor plackett_luce_loss(const torch::Tensor& scores, const RankingGroup& group) {
  std::vector<size_t> order(group.rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return group.ranks[a] < group.ranks[b]; });
  std::vector<int64_t> rows;
  for (size_t i : order) rows.push_back(group.rows[i]);
  auto index = torch::tensor(rows, torch::kLong).to(scores.device());
  auto r = scores.index_select(0, index);  // (K) best first
  // log sum_{j>=i} exp r_j for every i: a reversed cumulative logsumexp.
  auto tail_lse = r.flip({0}).logcumsumexp(0).flip({0});  // (K)
  const int64_t k = r.size(0);
  return -(r - tail_lse).narrow(0, 0, k - 1).sum() / double(k - 1);  // ()
}

}  // namespace

RewardLossOutput reward_ranking_loss(const torch::Tensor& scores,
                                     const std::vector<RankingGroup>& groups,
                                     const RewardLossOptions& options) {
  const int64_t n = scores.size(0);
  std::vector<torch::Tensor> losses;
  std::vector<int64_t> all_w, all_l;
  RewardLossOutput out;
  for (const RankingGroup& group : groups) {
    if (group.rows.size() != group.ranks.size())
      throw CoreError("reward loss: a ranking has " + std::to_string(group.rows.size()) +
                      " rows but " + std::to_string(group.ranks.size()) + " ranks");
    std::vector<int64_t> w, l;
    for (size_t a = 0; a < group.rows.size(); ++a) {
      if (group.rows[a] < 0 || group.rows[a] >= n)
        throw CoreError("reward loss: row " + std::to_string(group.rows[a]) +
                        " is outside the batch of " + std::to_string(n) + " scores");
      for (size_t b = 0; b < group.rows.size(); ++b)
        if (group.ranks[a] < group.ranks[b]) {
          w.push_back(group.rows[a]);
          l.push_back(group.rows[b]);
        }
    }
    if (w.empty()) continue;  // all tied: no preference to learn
    auto r_w = scores.index_select(0, torch::tensor(w, torch::kLong).to(scores.device()));  // (P)
    auto r_l = scores.index_select(0, torch::tensor(l, torch::kLong).to(scores.device()));  // (P)
    torch::Tensor loss;
    if (options.kind == RewardLossKind::plackett_luce && !has_tie(group.ranks)) {
      loss = plackett_luce_loss(scores, group);
    } else {
      if (options.kind == RewardLossKind::plackett_luce) ++out.pl_fallbacks;
      loss = -torch::log_sigmoid(r_w - r_l - group.margin).mean();  // ()
    }
    if (options.center_coefficient != 0.0)
      loss = loss + options.center_coefficient * (r_w + r_l).pow(2).mean();
    losses.push_back(loss);
    all_w.insert(all_w.end(), w.begin(), w.end());
    all_l.insert(all_l.end(), l.begin(), l.end());
  }
  if (losses.empty()) throw CoreError("reward loss: no ranking in the batch has an untied pair");
  out.loss = torch::stack(losses).mean();  // ()
  torch::NoGradGuard no_grad;
  auto gap = scores.index_select(0, torch::tensor(all_w, torch::kLong).to(scores.device())) -
             scores.index_select(0, torch::tensor(all_l, torch::kLong).to(scores.device()));  // (P)
  out.accuracy = ((gap > 0).to(scores.dtype()) + 0.5 * (gap == 0).to(scores.dtype())).mean();
  out.mean_gap = gap.mean();
  out.pairs = static_cast<int64_t>(all_w.size());
  out.rankings = static_cast<int64_t>(losses.size());
  return out;
}

}  // namespace prefstudio
