#!/usr/bin/python3
"""Writes tests/golden/rl_golden.json: the online-RL formulas (PPO's GAE, whitening, clipped policy
and value losses, the k1 / k3 KL estimators and the adaptive KL controller; RLOO's and GRPO's
advantages and losses) on hand-made batches, computed here in float64 with plain loops over rows
and tokens and torch autograd (every gradient also checked against central differences). Imports
nothing of ours; the formulas are re-typed from the issue.

A batch is B rows of T token positions, right-padded: mask[b][t] = 1 for the row's n_b >= 1 real
response tokens (a prefix), 0 for padding. Every batched case has rows of different lengths, and
its inputs hold non-zero garbage at the padding positions (they must be ignored).

    gae            per row, t = n-1 .. 0:  next = values[t+1] if t+1 < n else 0,
                   delta = rewards[t] + gamma next - values[t],  adv[t] = delta + gamma lam adv[t+1]
                   (adv[n] = 0);  returns = adv + values;  padding: 0 in both
    whiten         (x - mean) / sqrt(var + 1e-8) on real tokens, 0 on padding; mean and the unbiased
                   variance (sum of squared deviations / (count - 1)) over the real tokens
    policy_loss    r = exp(lp - old), l1 = -A r, l2 = -A clamp(r, 1-eps, 1+eps);
                   loss = mean over real tokens of max(l1, l2); clipfrac = mean of [l2 > l1];
                   approxkl = 0.5 mean of (lp - old)^2
    value_loss     vc = old + clamp(v - old, -c, c);  loss = 0.5 mean of max((v-R)^2, (vc-R)^2);
                   clipfrac = mean of [(vc-R)^2 > (v-R)^2]
    kl             k1 = lp - ref,  k3 = exp(ref - lp) - (ref - lp) - 1  (0 on padding),
                   their per-row sums, d sum(k3 mask) / d lp
    adaptive_kl    e = clip(kl/target - 1, -0.2, 0.2), coef <- coef (1 + e n / horizon)
    rloo_adv.      a_i = r_i - mean of the other K-1 rewards of the prompt
    grpo_adv.      grpo: (s - mean) / (std + 1e-4), std the population std (/K);  dr_grpo: s - mean;
                   a group of equal scores gives exactly 0 in both
    grpo_loss      per token: -min(r A, clamp(r, 1-eps, 1+eps) A) + beta k3, A the row's advantage;
                   grpo: mean over rows of (row sum / n_b); dr_grpo: mean over rows of
                   (row sum / max_new_tokens)
    rloo_loss      mean over all real tokens of max(-A r, -A clamp(r, 1-eps, 1+eps)), A per row
("mean" above is over the batch's real tokens unless it says otherwise.)

    /usr/bin/python3 tests/golden/make_rl_golden.py
"""
import json
import math
import os

import torch

DT = torch.float64
KINK = 1e-3  # inputs stay at least this far from every kink of a piecewise formula


# ---------------------------------------------------------------- batches

def make_mask(lengths, T):
    assert all(1 <= n <= T for n in lengths), lengths
    return [[1 if t < n else 0 for t in range(T)] for n in lengths]


def lengths_of(mask):
    lengths = []
    for row in mask:
        n = sum(row)
        assert n >= 1 and row == [1] * n + [0] * (len(row) - n), row  # a real prefix
        lengths.append(n)
    return lengths


def padded(rows, T, garbage):
    """rows: the real values of each row; padding filled with the (non-zero) garbage value."""
    assert garbage != 0.0
    return [[float(v) for v in row] + [float(garbage)] * (T - len(row)) for row in rows]


def tensor(x):
    return torch.tensor(x, dtype=DT)


def clean(x):
    """Nested lists / numbers with -0.0 turned into 0.0."""
    if isinstance(x, list):
        return [clean(v) for v in x]
    if isinstance(x, float):
        return x + 0.0
    return x


def central_differences(f, x, step=1e-6):
    """d f / d x by central differences, x a float64 tensor of any shape, f(x) a 0-d tensor."""
    grad = torch.zeros_like(x)
    flat = grad.view(-1)
    for i in range(x.numel()):
        up, down = x.clone(), x.clone()
        up.view(-1)[i] += step
        down.view(-1)[i] -= step
        flat[i] = (f(up) - f(down)).item() / (2 * step)
    return grad


def checked_grad(name, f, x_list):
    """Value of f and its autograd gradient at x, the gradient checked against central
    differences (the inputs avoid every kink, so the check covers all positions)."""
    x = tensor(x_list).requires_grad_(True)
    value = f(x)
    value.backward()
    numeric = central_differences(f, x.detach())
    assert torch.allclose(x.grad, numeric, rtol=1e-6, atol=1e-8), (name, x.grad, numeric)
    return value.item(), x.grad


def assert_padding_zero(name, mask, *tensors):
    for x in tensors:
        for b, row in enumerate(mask):
            for t, m in enumerate(row):
                if m == 0:
                    assert x[b][t] == 0.0, (name, b, t, x[b][t])


# ---------------------------------------------------------------- GAE

def gae(rewards, values, mask, gamma, lam):
    lengths = lengths_of(mask)
    T = len(mask[0])
    advantages = [[0.0] * T for _ in mask]
    returns = [[0.0] * T for _ in mask]
    for b, n in enumerate(lengths):
        running = 0.0  # adv[n] = 0
        for t in reversed(range(n)):
            next_value = values[b][t + 1] if t + 1 < n else 0.0
            delta = rewards[b][t] + gamma * next_value - values[b][t]
            running = delta + gamma * lam * running
            advantages[b][t] = running
            returns[b][t] = running + values[b][t]
    return advantages, returns


def gae_case(name, rewards, values, mask, gamma, lam):
    advantages, returns = gae(rewards, values, mask, gamma, lam)
    assert_padding_zero(name, mask, advantages, returns)
    if gamma == 1.0 and lam == 1.0:  # returns are the reward-to-go
        for b, n in enumerate(lengths_of(mask)):
            for t in range(n):
                to_go = sum(rewards[b][t:n])
                assert math.isclose(returns[b][t], to_go, rel_tol=1e-12, abs_tol=1e-12), \
                    (name, b, t, returns[b][t], to_go)
    return {"name": name,
            "inputs": {"rewards": rewards, "values": values, "mask": mask, "gamma": gamma,
                       "lam": lam},
            "expected": {"advantages": clean(advantages), "returns": clean(returns)}}


# ---------------------------------------------------------------- whiten

def whiten(x, mask):
    real = [x[b][t] for b, row in enumerate(mask) for t, m in enumerate(row) if m]
    count = len(real)
    assert count >= 2
    mean = sum(real) / count
    var = sum((v - mean) ** 2 for v in real) / (count - 1)
    scale = math.sqrt(var + 1e-8)
    return [[(x[b][t] - mean) / scale if m else 0.0 for t, m in enumerate(row)]
            for b, row in enumerate(mask)]


def whiten_case(name, x, mask):
    out = whiten(x, mask)
    assert_padding_zero(name, mask, out)
    real = [out[b][t] for b, row in enumerate(mask) for t, m in enumerate(row) if m]
    mean = sum(real) / len(real)
    var = sum((v - mean) ** 2 for v in real) / (len(real) - 1)
    assert abs(mean) < 1e-12 and abs(var - 1.0) < 1e-6, (name, mean, var)
    return {"name": name, "inputs": {"x": x, "mask": mask}, "expected": {"out": clean(out)}}


# ---------------------------------------------------------------- PPO policy loss

def ppo_token_loss(lp, old, adv, eps):
    """max(-A r, -A clamp(r, 1-eps, 1+eps)) of one token (0-d tensors / floats)."""
    ratio = torch.exp(lp - old)
    l1 = -adv * ratio
    l2 = -adv * torch.clamp(ratio, 1.0 - eps, 1.0 + eps)
    return torch.maximum(l1, l2)


def check_ratio_kinks(name, logprobs, old_logprobs, mask, eps):
    for b, row in enumerate(mask):
        for t, m in enumerate(row):
            if m:
                ratio = math.exp(logprobs[b][t] - old_logprobs[b][t])
                assert abs(ratio - (1 - eps)) > KINK and abs(ratio - (1 + eps)) > KINK, \
                    (name, b, t, ratio)


def policy_loss(lp, old_logprobs, advantages, mask, eps):
    total, count = torch.zeros((), dtype=DT), 0
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            total = total + ppo_token_loss(lp[b, t], old_logprobs[b][t], advantages[b][t], eps)
            count += 1
    return total / count


def policy_loss_case(name, logprobs, old_logprobs, advantages, mask, eps):
    check_ratio_kinks(name, logprobs, old_logprobs, mask, eps)
    loss, grad = checked_grad(
        name, lambda x: policy_loss(x, old_logprobs, advantages, mask, eps), logprobs)
    assert_padding_zero(name, mask, grad.tolist())
    clipped, sq, count = 0, 0.0, 0
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            ratio = math.exp(logprobs[b][t] - old_logprobs[b][t])
            a = advantages[b][t]
            l1 = -a * ratio
            l2 = -a * min(max(ratio, 1.0 - eps), 1.0 + eps)
            clipped += 1 if l2 > l1 else 0
            sq += (logprobs[b][t] - old_logprobs[b][t]) ** 2
            count += 1
    return {"name": name,
            "inputs": {"logprobs": logprobs, "old_logprobs": old_logprobs,
                       "advantages": advantages, "mask": mask, "clip_range": eps},
            "expected": {"loss": loss, "clipfrac": clipped / count, "approxkl": 0.5 * sq / count,
                         "grad_logprobs": clean(grad.tolist())}}


# ---------------------------------------------------------------- PPO value loss

def value_loss(v, old_values, returns, mask, c):
    total, count = torch.zeros((), dtype=DT), 0
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            old, ret = old_values[b][t], returns[b][t]
            clipped = old + torch.clamp(v[b, t] - old, -c, c)
            total = total + torch.maximum((v[b, t] - ret) ** 2, (clipped - ret) ** 2)
            count += 1
    return 0.5 * total / count


def value_loss_case(name, values, old_values, returns, mask, c):
    clipped_count, count = 0, 0
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            v, old, ret = values[b][t], old_values[b][t], returns[b][t]
            assert abs(abs(v - old) - c) > KINK, (name, b, t)  # clamp's kink
            vc = old + min(max(v - old, -c), c)
            if abs(v - old) > c:  # the max's kink (inside the clip range both terms agree)
                assert abs((v - ret) ** 2 - (vc - ret) ** 2) > KINK, (name, b, t)
            else:
                assert vc == v, (name, b, t)  # dyadic inputs: no rounding in old + (v - old)
            clipped_count += 1 if (vc - ret) ** 2 > (v - ret) ** 2 else 0
            count += 1
    loss, grad = checked_grad(
        name, lambda x: value_loss(x, old_values, returns, mask, c), values)
    assert_padding_zero(name, mask, grad.tolist())
    return {"name": name,
            "inputs": {"values": values, "old_values": old_values, "returns": returns,
                       "mask": mask, "clip_range_value": c},
            "expected": {"loss": loss, "clipfrac": clipped_count / count,
                         "grad_values": clean(grad.tolist())}}


# ---------------------------------------------------------------- KL estimators

def k3_of(lp, ref):
    d = ref - lp
    return torch.exp(d) - d - 1.0


def kl_case(name, logprobs, ref_logprobs, mask):
    lengths = lengths_of(mask)
    T = len(mask[0])
    k1 = [[0.0] * T for _ in mask]
    k3 = [[0.0] * T for _ in mask]
    for b, n in enumerate(lengths):
        for t in range(n):
            k1[b][t] = logprobs[b][t] - ref_logprobs[b][t]
            k3[b][t] = k3_of(tensor(logprobs[b][t]), tensor(ref_logprobs[b][t])).item()
            assert k3[b][t] >= 0.0

    def k3_sum(x):
        total = torch.zeros((), dtype=DT)
        for b, n in enumerate(lengths):
            for t in range(n):
                total = total + k3_of(x[b, t], ref_logprobs[b][t])
        return total

    _, grad = checked_grad(name, k3_sum, logprobs)
    assert_padding_zero(name, mask, k1, k3, grad.tolist())
    for b, n in enumerate(lengths):  # d k3 / d lp = 1 - exp(ref - lp)
        for t in range(n):
            analytic = 1.0 - math.exp(ref_logprobs[b][t] - logprobs[b][t])
            assert math.isclose(grad[b, t].item(), analytic, rel_tol=1e-12, abs_tol=1e-15)
    return {"name": name,
            "inputs": {"logprobs": logprobs, "ref_logprobs": ref_logprobs, "mask": mask},
            "expected": {"k1": clean(k1), "k3": clean(k3),
                         "k1_sum": clean([sum(row) for row in k1]),
                         "k3_sum": clean([sum(row) for row in k3]),
                         "grad_logprobs": clean(grad.tolist())}}


# ---------------------------------------------------------------- adaptive KL controller

def adaptive_kl_update(coef, target, horizon, kl, n):
    e = min(max(kl / target - 1.0, -0.2), 0.2)
    return coef * (1.0 + e * n / horizon)


def adaptive_kl_case(name, coef, target, horizon, kl, n):
    return {"name": name,
            "inputs": {"coef": coef, "target": target, "horizon": horizon, "kl": kl, "n": n},
            "expected": {"new_coef": adaptive_kl_update(coef, target, horizon, kl, n)}}


def adaptive_kl_sequence_case(name, coef, target, horizon, updates):
    """updates: (kl, n) per step, applied in order; expected: the coefficient after each."""
    start, coefs = coef, []
    for kl, n in updates:
        coef = adaptive_kl_update(coef, target, horizon, kl, n)
        coefs.append(coef)
    return {"name": name,
            "inputs": {"coef": start, "target": target, "horizon": horizon,
                       "updates": [[kl, n] for kl, n in updates]},
            "expected": {"coefs": coefs}}


# ---------------------------------------------------------------- RLOO / GRPO advantages

def all_equal(group):
    return all(v == group[0] for v in group)


def rloo_advantages(rewards):
    out = []
    for group in rewards:
        K = len(group)
        assert K >= 2
        if all_equal(group):
            formula = [r - sum(group[:i] + group[i + 1:]) / (K - 1) for i, r in enumerate(group)]
            assert all(abs(a) < 1e-15 for a in formula), formula
            out.append([0.0] * K)  # mathematically 0; written exactly
            continue
        out.append([r - sum(group[:i] + group[i + 1:]) / (K - 1) for i, r in enumerate(group)])
    return out


def rloo_advantages_case(name, rewards):
    advantages = rloo_advantages(rewards)
    for group, adv in zip(rewards, advantages):
        if all_equal(group):
            assert all(a == 0.0 for a in adv), (name, adv)
        # sum_i (r_i - mean_others) = K/(K-1) sum_i (r_i - mean): zero-sum per prompt
        assert abs(sum(adv)) < 1e-12, (name, adv)
    return {"name": name, "inputs": {"rewards": rewards},
            "expected": {"advantages": clean(advantages)}}


def grpo_advantages(scores):
    grpo, dr_grpo = [], []
    for group in scores:
        K = len(group)
        mean = sum(group) / K
        std = math.sqrt(sum((s - mean) ** 2 for s in group) / K)
        formula_g = [(s - mean) / (std + 1e-4) for s in group]
        formula_d = [s - mean for s in group]
        if all_equal(group):
            assert all(abs(a) < 1e-11 for a in formula_g + formula_d), (formula_g, formula_d)
            grpo.append([0.0] * K)  # mathematically 0; written exactly
            dr_grpo.append([0.0] * K)
            continue
        grpo.append(formula_g)
        dr_grpo.append(formula_d)
    return grpo, dr_grpo


def grpo_advantages_case(name, scores):
    grpo, dr_grpo = grpo_advantages(scores)
    for group, g, d in zip(scores, grpo, dr_grpo):
        if all_equal(group):
            assert all(a == 0.0 for a in g + d), (name, g, d)
        assert abs(sum(g)) < 1e-12 and abs(sum(d)) < 1e-12, (name, g, d)
    return {"name": name, "inputs": {"scores": scores},
            "expected": {"grpo": clean(grpo), "dr_grpo": clean(dr_grpo)}}


# ---------------------------------------------------------------- GRPO / RLOO losses

def grpo_loss(lp, old_logprobs, ref_logprobs, advantages, mask, eps, beta, kind, max_new_tokens):
    rows = []
    for b, n in enumerate(lengths_of(mask)):
        a = advantages[b]
        row = torch.zeros((), dtype=DT)
        for t in range(n):
            ratio = torch.exp(lp[b, t] - old_logprobs[b][t])
            surrogate = -torch.minimum(ratio * a, torch.clamp(ratio, 1.0 - eps, 1.0 + eps) * a)
            row = row + surrogate + beta * k3_of(lp[b, t], ref_logprobs[b][t])
        rows.append(row / (n if kind == "grpo" else max_new_tokens))
    return sum(rows) / len(rows)


def broadcast(advantages, mask):
    return [[advantages[b] if m else 0.0 for m in row] for b, row in enumerate(mask)]


def grpo_loss_case(name, logprobs, old_logprobs, ref_logprobs, advantages, mask, eps, beta, kind,
                   max_new_tokens):
    assert kind in ("grpo", "dr_grpo") and max_new_tokens >= len(mask[0])
    check_ratio_kinks(name, logprobs, old_logprobs, mask, eps)
    loss, grad = checked_grad(
        name, lambda x: grpo_loss(x, old_logprobs, ref_logprobs, advantages, mask, eps, beta, kind,
                                  max_new_tokens), logprobs)
    assert_padding_zero(name, mask, grad.tolist())
    return {"name": name,
            "inputs": {"logprobs": logprobs, "old_logprobs": old_logprobs,
                       "ref_logprobs": ref_logprobs, "advantages": advantages, "mask": mask,
                       "clip_range": eps, "beta": beta, "kind": kind,
                       "max_new_tokens": max_new_tokens},
            "expected": {"loss": loss, "grad_logprobs": clean(grad.tolist())}}


def rloo_loss(lp, old_logprobs, advantages, mask, eps):
    total, count = torch.zeros((), dtype=DT), 0
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            total = total + ppo_token_loss(lp[b, t], old_logprobs[b][t], advantages[b], eps)
            count += 1
    return total / count


def rloo_loss_case(name, logprobs, old_logprobs, advantages, mask, eps):
    check_ratio_kinks(name, logprobs, old_logprobs, mask, eps)
    loss, grad = checked_grad(
        name, lambda x: rloo_loss(x, old_logprobs, advantages, mask, eps), logprobs)
    assert_padding_zero(name, mask, grad.tolist())
    # The same as policy_loss with the advantage broadcast over each row's tokens.
    same = policy_loss(tensor(logprobs), old_logprobs, broadcast(advantages, mask), mask, eps)
    assert math.isclose(loss, same.item(), rel_tol=1e-15), (name, loss, same.item())
    return {"name": name,
            "inputs": {"logprobs": logprobs, "old_logprobs": old_logprobs,
                       "advantages": advantages, "mask": mask, "clip_range": eps},
            "expected": {"loss": loss, "grad_logprobs": clean(grad.tolist())}}


# ---------------------------------------------------------------- cases

def main():
    T = 5
    mask = make_mask([5, 3, 1], T)  # every batched case mixes row lengths

    # GAE: a sparse end-of-sequence reward plus small per-token terms; garbage values at padding
    # (a next_value read past the row's end would show).
    rewards = padded([[-0.02, 0.01, -0.03, 0.0, 1.5], [0.05, -0.1, -0.75], [2.0]], T, 7.5)
    values = padded([[0.3, 0.45, 0.2, 0.8, 1.1], [-0.2, 0.1, -0.4], [0.6]], T, -3.25)
    gae_cases = [
        gae_case("gamma1_lam0.95", rewards, values, mask, 1.0, 0.95),
        gae_case("gamma0.99_lam0.9", rewards, values, mask, 0.99, 0.9),
        gae_case("gamma1_lam1_reward_to_go", rewards, values, mask, 1.0, 1.0),
    ]

    whiten_cases = [
        whiten_case("lengths_5_3_1",
                    padded([[1.5, -0.25, 0.75, 2.0, -1.0], [0.5, 0.125, -2.5], [3.0]], T, 7.5),
                    mask),
        whiten_case("lengths_2_4_1_3",
                    padded([[0.31, -1.7], [2.4, 0.05, -0.66, 1.13], [-3.2], [0.9, 0.9, -0.2]], 4,
                           -9.0),
                    make_mask([2, 4, 1, 3], 4)),
    ]

    # PPO: log-ratios d = lp - old chosen so that, at eps = 0.2, row 0 has A > 0 with r > 1.2
    # (clipped) and r < 0.8 (not clipped), A < 0 with r < 0.8 (clipped) and r > 1.2 (not
    # clipped), and one token inside; row 1 has A > 0 clipped above and A < 0 clipped below.
    #        d:  0.5    -0.4   0.05   -0.6   0.3     0.1   0.25   -0.3     -0.1
    old = padded([[-1.2, -0.35, -2.5, -0.8, -1.75], [-0.9, -3.1, -0.05], [-1.6]], T, -3.25)
    lp = padded([[-0.7, -0.75, -2.45, -1.4, -1.45], [-0.8, -2.85, -0.35], [-1.7]], T, 7.5)
    adv = padded([[1.25, 0.75, -0.5, -1.5, -0.25], [2.0, 0.5, -1.0], [0.4]], T, 7.5)
    # A second batch at eps = 0.1 (T = 4, lengths 4, 2, 3).
    #        d:  0.15   -0.05  -0.2   0.08     0.3   -0.25    -0.02  0.12   -0.15
    mask2 = make_mask([4, 2, 3], 4)
    old2 = padded([[-0.5, -1.0, -2.0, -0.25], [-1.5, -0.7], [-0.1, -4.0, -2.2]], 4, -3.25)
    lp2 = padded([[-0.35, -1.05, -2.2, -0.17], [-1.2, -0.95], [-0.12, -3.88, -2.35]], 4, 7.5)
    adv2 = padded([[-0.6, 1.1, 0.9, -2.2], [0.3, -0.8], [-1.3, 1.7, -0.45]], 4, 7.5)
    on_policy_old = [[lp[b][t] if m else -3.25 for t, m in enumerate(row)]
                     for b, row in enumerate(mask)]
    policy_cases = [
        policy_loss_case("clipped_both_sides_eps0.2", lp, old, adv, mask, 0.2),
        policy_loss_case("clipped_both_sides_eps0.1", lp2, old2, adv2, mask2, 0.1),
        policy_loss_case("on_policy_ratio_1", lp, on_policy_old, adv, mask, 0.2),
    ]
    e = policy_cases[2]["expected"]
    real_adv = [adv[b][t] for b, row in enumerate(mask) for t, m in enumerate(row) if m]
    assert e["clipfrac"] == 0.0 and e["approxkl"] == 0.0
    assert math.isclose(e["loss"], -sum(real_adv) / len(real_adv), rel_tol=1e-15)
    assert 0.0 < policy_cases[0]["expected"]["clipfrac"] < 1.0
    assert 0.0 < policy_cases[1]["expected"]["clipfrac"] < 1.0

    # Value loss: dyadic inputs, so old + (v - old) is exactly v inside the clip range. At c = 0.2
    # some clipped tokens take the clipped term (no gradient), others the unclipped one.
    values_v = padded([[0.875, 0.625, 1.0, 0.375, -1.5], [2.125, 0.125, -0.25], [0.3125]], T, 7.5)
    old_v = padded([[0.5, 1.0, 0.0, 0.25, -1.0], [2.0, 0.5, -0.5], [0.0]], T, -2.0)
    returns_v = padded([[1.5, 0.0, -0.5, -0.625, -2.0], [1.0, 1.25, -0.375], [0.75]], T, 4.0)
    value_cases = [
        value_loss_case("clip_0.2", values_v, old_v, returns_v, mask, 0.2),
        value_loss_case("clip_0.45", values_v, old_v, returns_v, mask, 0.45),
    ]
    assert value_cases[0]["expected"]["clipfrac"] > value_cases[1]["expected"]["clipfrac"] > 0.0

    ref = padded([[-0.9, -0.5, -2.45, -2.1, -1.0], [-1.3, -2.2, -0.4], [-0.6]], T, 2.5)
    mask3 = make_mask([3, 1, 4], 4)
    lp3 = padded([[-0.4, -1.9, -0.05], [-2.6], [-1.1, -0.3, -0.85, -3.0]], 4, 7.5)
    kl_cases = [
        kl_case("lengths_5_3_1", lp, ref, mask),
        kl_case("policy_equals_reference", lp3,
                [[lp3[b][t] if m else 2.5 for t, m in enumerate(row)]
                 for b, row in enumerate(mask3)], mask3),
    ]
    e = kl_cases[1]["expected"]
    assert all(v == 0.0 for row in e["k1"] + e["k3"] + e["grad_logprobs"] for v in row)

    adaptive_cases = [
        adaptive_kl_case("below_target_within_clip", 0.2, 6.0, 10000, 5.4, 256),
        adaptive_kl_case("below_target_beyond_clip", 0.2, 6.0, 10000, 1.5, 256),
        adaptive_kl_case("above_target_within_clip", 0.2, 6.0, 10000, 6.6, 256),
        adaptive_kl_case("above_target_beyond_clip", 0.2, 6.0, 10000, 9.0, 256),
        adaptive_kl_case("exactly_at_target", 0.2, 6.0, 10000, 6.0, 256),
        adaptive_kl_sequence_case("sequence_of_5", 0.1, 6.0, 10000,
                                  [(12.0, 512), (8.5, 512), (6.0, 512), (4.0, 512), (5.7, 256)]),
    ]
    assert adaptive_cases[4]["expected"]["new_coef"] == 0.2
    assert math.isclose(adaptive_cases[1]["expected"]["new_coef"], 0.2 * (1 - 0.2 * 256 / 10000),
                        rel_tol=1e-15)
    assert math.isclose(adaptive_cases[3]["expected"]["new_coef"], 0.2 * (1 + 0.2 * 256 / 10000),
                        rel_tol=1e-15)

    # Equal groups: 0.75 (dyadic: every formula gives exactly 0) and 0.1 (a naive mean leaves a
    # rounding residue; the expected advantages are still exactly 0).
    rloo_adv_cases = [
        rloo_advantages_case("k2", [[1.0, 0.25], [-0.5, 0.75], [2.2, -1.3]]),
        rloo_advantages_case("k4", [[0.9, 0.1, -0.4, 1.7], [0.0, 0.0, 1.0, 0.0],
                                    [-2.3, 0.45, 0.8, -1.05]]),
        rloo_advantages_case("k4_with_equal_groups", [[0.75, 0.75, 0.75, 0.75],
                                                      [0.1, 0.1, 0.1, 0.1],
                                                      [1.2, -0.3, 0.6, 0.05]]),
    ]
    grpo_adv_cases = [
        grpo_advantages_case("k2_one_nearly_equal", [[1.0, 0.0], [0.3, 0.30001], [-0.7, 1.9]]),
        grpo_advantages_case("k4", [[0.9, 0.1, -0.4, 1.7], [0.0, 0.0, 1.0, 0.0],
                                    [-2.3, 0.45, 0.8, -1.05]]),
        grpo_advantages_case("k3_with_equal_groups", [[0.1, 0.1, 0.1], [-1.25, -1.25, -1.25],
                                                      [0.5, 2.0, -0.75]]),
        grpo_advantages_case("k8_binary_with_all_zero_group", [[1.0, 0.0, 0.0, 1.0, 1.0, 0.0,
                                                                0.0, 0.0], [0.0] * 8]),
    ]

    # GRPO / RLOO losses on the PPO batch, one advantage per row: row 0 (A > 0) has tokens with
    # r > 1.2 (clipped) and r < 0.8; row 1 (A < 0) tokens with r < 0.8 (clipped) and r > 1.2.
    seq_adv = [0.8, -1.1, 0.35]
    grpo_cases = []
    for kind in ("grpo", "dr_grpo"):
        for beta in (0.0, 0.04):
            grpo_cases.append(grpo_loss_case(f"{kind}_beta{beta}", lp, old, ref, seq_adv, mask,
                                             0.2, beta, kind, 8))
        grpo_cases.append(grpo_loss_case(f"{kind}_on_policy_beta0.04", lp, on_policy_old, ref,
                                         seq_adv, mask, 0.2, 0.04, kind, 8))
    # Sanity: with every row max_new_tokens long the two normalizations agree.
    full = make_mask([T] * 3, T)
    x = tensor(lp)
    g = grpo_loss(x, old, ref, seq_adv, full, 0.2, 0.04, "grpo", T).item()
    d = grpo_loss(x, old, ref, seq_adv, full, 0.2, 0.04, "dr_grpo", T).item()
    assert math.isclose(g, d, rel_tol=1e-15), (g, d)
    # Sanity: on-policy with beta = 0, grpo's loss is -mean A and each token's gradient -A/(n B).
    g = grpo_loss(x, on_policy_old, ref, seq_adv, mask, 0.2, 0.0, "grpo", 8).item()
    assert math.isclose(g, -sum(seq_adv) / 3, rel_tol=1e-15)

    rloo_cases = [
        rloo_loss_case("clipped_both_sides_eps0.2", lp, old, seq_adv, mask, 0.2),
        rloo_loss_case("on_policy", lp, on_policy_old, [-0.5, 1.25, 0.9], mask, 0.2),
    ]
    lengths = lengths_of(mask)
    assert math.isclose(rloo_cases[1]["expected"]["loss"],
                        -sum(a * n for a, n in zip([-0.5, 1.25, 0.9], lengths)) / sum(lengths),
                        rel_tol=1e-15)

    golden = {
        "description": "Online-RL (PPO / RLOO / GRPO) golden values, written by "
                       "tests/golden/make_rl_golden.py (float64, torch " + torch.__version__ +
                       " autograd, gradients checked against central differences); formulas in "
                       "that script's docstring. Tensors are (B, T) rows, right-padded; mask 1 = "
                       "real response token (a prefix of each row), 0 = padding, whose input "
                       "values are garbage to be ignored.",
        "gae": gae_cases,
        "whiten": whiten_cases,
        "policy_loss": policy_cases,
        "value_loss": value_cases,
        "kl": kl_cases,
        "adaptive_kl": adaptive_cases,
        "rloo_advantages": rloo_adv_cases,
        "grpo_advantages": grpo_adv_cases,
        "grpo_loss": grpo_cases,
        "rloo_loss": rloo_cases,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rl_golden.json")
    with open(out, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    for section, cases in golden.items():
        if section == "description":
            continue
        for case in cases:
            e = case["expected"]
            shown = {k: v for k, v in e.items() if not isinstance(v, list)}
            print(f"{section:16s} {case['name']:34s} {shown}")


if __name__ == "__main__":
    main()
