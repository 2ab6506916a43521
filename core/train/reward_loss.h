// The reward model's loss over K-wise rankings (InstructGPT step 2). Every completion of a prompt
// gets one forward pass and one score r; the loss is formed from those K scores, so a ranking of K
// costs K forwards, not K(K-1). Internal header of core (torch).
//
// For one ranking with untied ordered pairs P = {(w, l)} (w ranked better than l):
//   pairwise:       L = 1/|P| * sum_P -log sigmoid(r_w - r_l - m)
//                   m = the ranking's margin (0, or from the labeler's stated strength)
//   plackett_luce:  L = -1/(K-1) * sum_{i=0}^{K-2} [ r_s(i) - log sum_{j>=i} exp r_s(j) ]
//                   s = the completions in rank order; only for strict rankings: a ranking with
//                   a tie uses the pairwise loss instead (counted in pl_fallbacks)
//   centering (TRL's center_rewards_coefficient, both kinds):
//                   L += c * 1/|P| * sum_P (r_w + r_l)^2
// The batch loss is the mean of L over rankings: a K = 9 ranking weighs as one ranking, not 36
// examples, and a prompt ranked by three labelers counts three times, once per ranking.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace prefstudio {

enum class RewardLossKind { pairwise, plackett_luce };

// "pairwise" | "plackett_luce"; throws ConfigError naming `field` otherwise.
RewardLossKind parse_reward_loss_kind(const std::string& name, const std::string& field);
const char* reward_loss_kind_name(RewardLossKind kind);

// One ranking inside a batch of scores.
struct RankingGroup {
  std::vector<int64_t> rows;  // indices into `scores`, one per completion of the ranking
  std::vector<int> ranks;     // rank per row, 0 best; equal ranks tie and give no pair
  double margin = 0.0;        // m, subtracted from every pair's gap (pairwise loss only)
};

struct RewardLossOptions {
  RewardLossKind kind = RewardLossKind::pairwise;
  double center_coefficient = 0.0;  // c; e.g. 0.01 as TRL recommends, 0 = off
};

struct RewardLossOutput {
  torch::Tensor loss;           // () mean over rankings, differentiable w.r.t. scores
  torch::Tensor accuracy;       // () share of untied pairs with r_w > r_l (a gap of 0 counts 0.5)
  torch::Tensor mean_gap;       // () mean of r_w - r_l over the untied pairs
  int64_t pairs = 0;            // untied pairs in the batch
  int64_t rankings = 0;         // rankings that have at least one untied pair
  int64_t pl_fallbacks = 0;     // rankings with ties that took the pairwise loss under PL
};

// scores (N) float, groups index into it. Rankings without an untied pair are left out of the mean
// (they carry no preference). Throws CoreError when no group has a pair or a row is out of range.
RewardLossOutput reward_ranking_loss(const torch::Tensor& scores,
                                     const std::vector<RankingGroup>& groups,
                                     const RewardLossOptions& options);

}  // namespace prefstudio
