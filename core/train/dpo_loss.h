// The DPO loss family on summed log-probabilities (Rafailov et al. 2023 and its successors). Every
// completion of a prompt gets one policy forward and one summed log-prob; the pairs of a ranking are
// formed from those K numbers, so a ranking of K costs K forwards, not K(K-1).
// Internal header of core (torch).
//
// Per pair (w chosen, l rejected): pc, pr the policy's summed log-probs (EOS included where the
// completion ended), rc, rr the reference's, nc, nr the token counts, l(x) = -log sigmoid(x),
//   h  = (pc - rc) - (pr - rr)                   (sums)
//   h' = (pc - rc) / nc - (pr - rr) / nr         (per-token averages)
//   e  = label_smoothing
//   sigmoid       l(beta h)                                      DPO;        beta 0.1
//   ipo           (h' - 1 / (2 beta))^2                          IPO;        beta 0.1
//   cdpo          (1 - e) l(beta h) + e l(-beta h)               cDPO;       beta 0.1, e 0.1
//   robust        ((1 - e) l(beta h) - e l(-beta h)) / (1 - 2e)  rDPO;       beta 0.1, e 0.1
//   hinge         max(0, 1 - beta h)                             SLiC;       beta 0.1
//   sigmoid_norm  l(beta h')                                     Tulu 3;     beta 5
//   simpo         l(beta (pc / nc - pr / nr) - gamma)            SimPO;      beta 2, gamma 0.5
// and, with nll_coefficient c > 0 (RPO), c * (-pc / nc) added to every pair's loss.
// The batch loss is sum_i weight_i * loss_i with weights summing to 1; the trainer gives each
// ranking weight 1 / rankings split evenly over its pairs, so each ranking weighs as one.
// Implicit rewards (TRL's rewards/chosen, rewards/rejected) are beta times the quantity the loss
// compares: beta (pc - rc) for the sum-based losses, beta (pc - rc) / nc for ipo and sigmoid_norm,
// beta pc / nc for simpo. Every metric is the same weighted mean; accuracy counts a strict win
// (a tie, e.g. policy = reference, counts 0, as in TRL).
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/train/dpo_loss_kind.h"

namespace prefstudio {

struct DpoLossOptions {
  DpoLossKind kind = DpoLossKind::sigmoid;
  double beta = 0.1;
  double label_smoothing = 0.0;
  double gamma = 0.5;
  double nll_coefficient = 0.0;
};

// P pairs; every tensor (P), float or double, on one device.
struct DpoPairBatch {
  torch::Tensor policy_chosen, policy_rejected;        // differentiable
  torch::Tensor reference_chosen, reference_rejected;  // constants (simpo ignores them)
  torch::Tensor chosen_tokens, rejected_tokens;        // token counts, > 0
  torch::Tensor weights;                               // sum to 1
};

struct DpoLossOutput {
  torch::Tensor loss;  // () differentiable
  // () weighted means, detached
  torch::Tensor rewards_chosen, rewards_rejected, margins, accuracies;
  torch::Tensor logps_chosen, logps_rejected, nll;
};

DpoLossOutput dpo_loss(const DpoPairBatch& pairs, const DpoLossOptions& options);

}  // namespace prefstudio
