// The DPO loss family (see dpo_loss.h for the formulas and the defaults).
#include "core/train/dpo_loss.h"

#include "core/common/core_error.h"

namespace prefstudio {

namespace {

// l(x) = -log sigmoid(x), stable for large |x|.
torch::Tensor neg_log_sigmoid(const torch::Tensor& x) { return torch::softplus(-x); }

}  // namespace

DpoLossOutput dpo_loss(const DpoPairBatch& pairs, const DpoLossOptions& options) {
  // All (P): the policy's and the reference's log-ratios, summed and per token.
  const double beta = options.beta, e = options.label_smoothing;
  const auto& nc = pairs.chosen_tokens;
  const auto& nr = pairs.rejected_tokens;
  auto chosen_ratio = pairs.policy_chosen - pairs.reference_chosen;        // (P)
  auto rejected_ratio = pairs.policy_rejected - pairs.reference_rejected;  // (P)
  torch::Tensor per_pair, chosen_reward, rejected_reward;                  // (P)
  switch (options.kind) {
    case DpoLossKind::sigmoid:
    case DpoLossKind::cdpo:
    case DpoLossKind::robust:
    case DpoLossKind::hinge: {
      auto h = beta * (chosen_ratio - rejected_ratio);  // (P)
      if (options.kind == DpoLossKind::sigmoid)
        per_pair = neg_log_sigmoid(h);
      else if (options.kind == DpoLossKind::cdpo)
        per_pair = (1 - e) * neg_log_sigmoid(h) + e * neg_log_sigmoid(-h);
      else if (options.kind == DpoLossKind::robust)
        per_pair = ((1 - e) * neg_log_sigmoid(h) - e * neg_log_sigmoid(-h)) / (1 - 2 * e);
      else
        per_pair = torch::relu(1 - h);
      chosen_reward = beta * chosen_ratio;
      rejected_reward = beta * rejected_ratio;
      break;
    }
    case DpoLossKind::ipo:
    case DpoLossKind::sigmoid_norm: {
      auto h_avg = chosen_ratio / nc - rejected_ratio / nr;  // (P)
      per_pair = options.kind == DpoLossKind::ipo ? (h_avg - 1 / (2 * beta)).pow(2)
                                                  : neg_log_sigmoid(beta * h_avg);
      chosen_reward = beta * chosen_ratio / nc;
      rejected_reward = beta * rejected_ratio / nr;
      break;
    }
    case DpoLossKind::simpo: {
      chosen_reward = beta * pairs.policy_chosen / nc;
      rejected_reward = beta * pairs.policy_rejected / nr;
      per_pair = neg_log_sigmoid(chosen_reward - rejected_reward - options.gamma);
      break;
    }
  }
  auto nll = -pairs.policy_chosen / nc;  // (P) the chosen completion's NLL per token
  if (options.nll_coefficient > 0) per_pair = per_pair + options.nll_coefficient * nll;

  const auto& w = pairs.weights;
  auto mean = [&w](const torch::Tensor& x) { return (w * x.detach()).sum(); };
  DpoLossOutput out;
  out.loss = (w * per_pair).sum();
  out.rewards_chosen = mean(chosen_reward);
  out.rewards_rejected = mean(rejected_reward);
  out.margins = mean(chosen_reward - rejected_reward);
  out.accuracies = mean((chosen_reward > rejected_reward).to(w.dtype()));
  out.logps_chosen = mean(pairs.policy_chosen);
  out.logps_rejected = mean(pairs.policy_rejected);
  out.nll = mean(nll);
  return out;
}

}  // namespace prefstudio
