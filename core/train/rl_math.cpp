// The arithmetic of online RL (see rl_math.h for the formulas).
#include "core/train/rl_math.h"

#include <algorithm>

namespace prefstudio {

torch::Tensor masked_mean(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto m = mask.to(x.dtype());
  return (x * m).sum() / m.sum().clamp_min(1.0);
}

torch::Tensor masked_whiten(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto m = mask.to(x.dtype());
  const auto count = m.sum();
  const auto mean = (x * m).sum() / count.clamp_min(1.0);
  const auto centred = (x - mean) * m;
  const auto var = centred.pow(2).sum() / (count - 1).clamp_min(1.0);  // unbiased
  return centred * torch::rsqrt(var + 1e-8);
}

Gae generalized_advantages(const torch::Tensor& rewards, const torch::Tensor& values,
                           const torch::Tensor& mask, double gamma, double lambda) {
  // Backwards over positions; padding is zeroed first so it contributes nothing.
  const auto m = mask.to(rewards.dtype());
  const auto r = rewards * m, v = values * m;
  const int64_t t = rewards.size(1);
  auto advantages = torch::zeros_like(r);          // (B, T)
  auto next_advantage = torch::zeros({r.size(0)}, r.options());  // (B)
  auto next_value = torch::zeros({r.size(0)}, r.options());      // (B)
  for (int64_t i = t - 1; i >= 0; --i) {
    const auto real = m.select(1, i);
    const auto delta = r.select(1, i) + gamma * next_value - v.select(1, i);
    const auto advantage = (delta + gamma * lambda * next_advantage) * real;
    advantages.select(1, i).copy_(advantage);
    next_advantage = advantage;
    next_value = v.select(1, i);  // 0 past a row's last real token
  }
  return {advantages, (advantages + v) * m};
}

torch::Tensor kl_k1(const torch::Tensor& logprobs, const torch::Tensor& ref_logprobs,
                    const torch::Tensor& mask) {
  return (logprobs - ref_logprobs) * mask.to(logprobs.dtype());
}

torch::Tensor kl_k3(const torch::Tensor& logprobs, const torch::Tensor& ref_logprobs,
                    const torch::Tensor& mask) {
  const auto log_ratio = ref_logprobs - logprobs;
  return (torch::exp(log_ratio) - log_ratio - 1) * mask.to(logprobs.dtype());
}

PolicyLoss clipped_policy_loss(const torch::Tensor& logprobs, const torch::Tensor& old_logprobs,
                               const torch::Tensor& advantages, const torch::Tensor& mask,
                               double clip_range) {
  const auto log_ratio = logprobs - old_logprobs;
  const auto ratio = torch::exp(log_ratio);
  const auto unclipped = -advantages * ratio;
  const auto clipped = -advantages * torch::clamp(ratio, 1.0 - clip_range, 1.0 + clip_range);
  PolicyLoss out;
  out.loss = masked_mean(torch::max(unclipped, clipped), mask);
  out.clipfrac = masked_mean((clipped > unclipped).to(logprobs.dtype()), mask).detach();
  out.approxkl = (0.5 * masked_mean(log_ratio.pow(2), mask)).detach();
  out.ratio_mean = masked_mean(ratio, mask).detach();
  return out;
}

ValueLoss clipped_value_loss(const torch::Tensor& values, const torch::Tensor& old_values,
                             const torch::Tensor& returns, const torch::Tensor& mask,
                             double clip_range_value) {
  const auto clipped =
      old_values + torch::clamp(values - old_values, -clip_range_value, clip_range_value);
  const auto plain_error = (values - returns).pow(2);
  const auto clipped_error = (clipped - returns).pow(2);
  ValueLoss out;
  out.loss = 0.5 * masked_mean(torch::max(plain_error, clipped_error), mask);
  out.clipfrac = masked_mean((clipped_error > plain_error).to(values.dtype()), mask).detach();
  return out;
}

void AdaptiveKlController::update(double kl, int64_t episodes) {
  const double error = std::clamp(kl / target_ - 1.0, -0.2, 0.2);
  coefficient_ *= 1.0 + error * double(episodes) / horizon_;
}

namespace {

// (P, 1) true where every score of the group is the same: its advantages are exactly 0, not the
// rounding residue of subtracting a mean (which 1 / (std + 1e-4) would blow up).
torch::Tensor all_equal(const torch::Tensor& scores) {
  return scores.amax(1, true) == scores.amin(1, true);
}

}  // namespace

torch::Tensor rloo_advantages(const torch::Tensor& rewards) {
  const int64_t k = rewards.size(1);
  const auto others = (rewards.sum(1, true) - rewards) / double(k - 1);  // (P, K)
  return (rewards - others).masked_fill(all_equal(rewards), 0.0);
}

torch::Tensor grpo_advantages(const torch::Tensor& scores, bool normalize_std) {
  auto centred = scores - scores.mean(1, true);  // (P, K)
  if (normalize_std) {
    const auto std = scores.std(1, /*unbiased=*/false, /*keepdim=*/true);  // (P, 1)
    centred = centred / (std + 1e-4);
  }
  return centred.masked_fill(all_equal(scores), 0.0);
}

torch::Tensor grpo_loss(const torch::Tensor& logprobs, const torch::Tensor& old_logprobs,
                        const torch::Tensor& ref_logprobs, const torch::Tensor& advantages,
                        const torch::Tensor& mask, double clip_range, double beta,
                        GrpoLossKind kind, int64_t max_new_tokens) {
  const auto m = mask.to(logprobs.dtype());
  const auto a = advantages.unsqueeze(1);  // (B, 1)
  const auto ratio = torch::exp(logprobs - old_logprobs);
  const auto surrogate =
      torch::min(ratio * a, torch::clamp(ratio, 1.0 - clip_range, 1.0 + clip_range) * a);
  auto per_token = -surrogate;
  if (beta != 0.0) per_token = per_token + beta * kl_k3(logprobs, ref_logprobs, mask);
  const auto sums = (per_token * m).sum(1);  // (B)
  const auto per_sequence = kind == GrpoLossKind::grpo
                                ? sums / m.sum(1).clamp_min(1.0)
                                : sums / double(max_new_tokens);
  return per_sequence.mean();
}

}  // namespace prefstudio
