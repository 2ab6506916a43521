// The arithmetic of online RL from a reward (PPO as InstructGPT and Ziegler et al. ran it, RLOO,
// GRPO), on right-padded (B, T) response tokens with a mask (1 = a real response token; each row's
// real tokens are a prefix). Every mean here is over real tokens only; padding never enters a sum
// and comes out 0. Golden values: tests/golden/make_rl_golden.py. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <string>

namespace prefstudio {

// Mean of x over mask (a scalar tensor).
torch::Tensor masked_mean(const torch::Tensor& x, const torch::Tensor& mask);

// (x - mean) / sqrt(var + 1e-8) over the masked entries, var unbiased (TRL's masked_whiten with
// shift_mean); 0 on padding.
torch::Tensor masked_whiten(const torch::Tensor& x, const torch::Tensor& mask);

// Generalised advantage estimation per row, over its real tokens from the last back:
//   delta_t = r_t + gamma V_{t+1} - V_t (V after the last real token = 0),
//   A_t = delta_t + gamma lambda A_{t+1};  returns = A + V.  Both 0 on padding.
struct Gae {
  torch::Tensor advantages, returns;  // (B, T)
};
Gae generalized_advantages(const torch::Tensor& rewards, const torch::Tensor& values,
                           const torch::Tensor& mask, double gamma, double lambda);

// Per-token KL estimators of the policy from the reference, 0 on padding:
//   k1 = log pi - log ref;   k3 = exp(ref - pi) - (ref - pi) - 1 (>= 0, unbiased, low variance).
torch::Tensor kl_k1(const torch::Tensor& logprobs, const torch::Tensor& ref_logprobs,
                    const torch::Tensor& mask);
torch::Tensor kl_k3(const torch::Tensor& logprobs, const torch::Tensor& ref_logprobs,
                    const torch::Tensor& mask);

// PPO's clipped surrogate: ratio = exp(logp - old), per token max(-A ratio, -A clip(ratio,
// 1 - eps, 1 + eps)); loss = the masked mean over all real tokens. clipfrac: share of tokens where
// the clipped term is the larger; approxkl: 0.5 mean (logp - old)^2.
struct PolicyLoss {
  torch::Tensor loss, clipfrac, approxkl, ratio_mean;  // ()
};
PolicyLoss clipped_policy_loss(const torch::Tensor& logprobs, const torch::Tensor& old_logprobs,
                               const torch::Tensor& advantages, const torch::Tensor& mask,
                               double clip_range);

// 0.5 masked mean of max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2); clipfrac: share of
// tokens where the clipped term is the larger.
struct ValueLoss {
  torch::Tensor loss, clipfrac;  // ()
};
ValueLoss clipped_value_loss(const torch::Tensor& values, const torch::Tensor& old_values,
                             const torch::Tensor& returns, const torch::Tensor& mask,
                             double clip_range_value);

// Ziegler et al.'s adaptive KL coefficient: e = clip(kl / target - 1, -0.2, 0.2),
// coef *= 1 + e n / horizon, with kl the batch mean of each sequence's summed k1 and n the
// episodes in the batch.
class AdaptiveKlController {
 public:
  AdaptiveKlController(double coefficient, double target, double horizon)
      : coefficient_(coefficient), target_(target), horizon_(horizon) {}
  double value() const { return coefficient_; }
  void set_value(double coefficient) { coefficient_ = coefficient; }  // resume
  void update(double kl, int64_t episodes);

 private:
  double coefficient_, target_, horizon_;
};

// RLOO: each sample's reward minus the mean of the other K - 1 of its prompt. rewards (P, K).
torch::Tensor rloo_advantages(const torch::Tensor& rewards);

// GRPO: (s - mean) / (std + 1e-4) per group, std the population std (0 for an all-equal group);
// Dr. GRPO (`normalize_std` false): s - mean. scores (P, K).
torch::Tensor grpo_advantages(const torch::Tensor& scores, bool normalize_std);

enum class GrpoLossKind { grpo, dr_grpo };

// GRPO's loss: per token -min(ratio A, clip(ratio) A) + beta k3 with one advantage per sequence
// (B); grpo averages each sequence's token losses over its length, dr_grpo divides their sum by
// max_new_tokens; then the mean over sequences.
torch::Tensor grpo_loss(const torch::Tensor& logprobs, const torch::Tensor& old_logprobs,
                        const torch::Tensor& ref_logprobs, const torch::Tensor& advantages,
                        const torch::Tensor& mask, double clip_range, double beta,
                        GrpoLossKind kind, int64_t max_new_tokens);

}  // namespace prefstudio
