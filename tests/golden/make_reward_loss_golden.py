#!/usr/bin/python3
"""Writes tests/golden/reward_loss_golden.json: the reward model's ranking loss (pairwise
Bradley-Terry with a margin, Plackett-Luce, TRL's reward centering) on hand-made batches, with
accuracy, mean gap, counts and d loss / d scores, computed here in float64 with plain loops over
pairs and torch autograd (gradients also checked against central differences). Imports nothing of
ours; the formulas are re-typed from the issue: see core/train/reward_loss.h for the same in C++.

    /usr/bin/python3 tests/golden/make_reward_loss_golden.py
"""
import itertools
import json
import math
import os

import torch
import torch.nn.functional as F


def untied_pairs(ranks):
    """(w, l) positions within the ranking with rank_w < rank_l (rank 0 best); ties give none."""
    return [(i, j) if ranks[i] < ranks[j] else (j, i)
            for i, j in itertools.combinations(range(len(ranks)), 2) if ranks[i] != ranks[j]]


def ranking_loss(r, ranks, margin, kind, center):
    """Loss of one ranking; r are its K scores. Returns (loss, fell_back_to_pairwise)."""
    pairs = untied_pairs(ranks)
    strict = len(set(ranks)) == len(ranks)
    fallback = kind == "plackett_luce" and not strict
    if kind == "plackett_luce" and strict:
        order = sorted(range(len(ranks)), key=lambda i: ranks[i])  # best first
        s = r[order]
        terms = [s[i] - torch.logsumexp(s[i:], dim=0) for i in range(len(order) - 1)]
        loss = -sum(terms) / (len(order) - 1)  # no margin: it belongs to the pairwise loss
    else:
        loss = sum(-F.logsigmoid(r[w] - r[l] - margin) for w, l in pairs) / len(pairs)
    if center > 0.0:
        loss = loss + center * sum((r[w] + r[l]) ** 2 for w, l in pairs) / len(pairs)
    return loss, fallback


def batch_loss(scores, groups, kind, center):
    """Mean over rankings with at least one untied pair, and the pooled pair statistics."""
    losses, correct, gaps, fallbacks = [], [], [], 0
    for group in groups:
        pairs = untied_pairs(group["ranks"])
        if not pairs:
            continue  # no preference in it: left out of the mean
        r = scores[torch.tensor(group["rows"])]
        loss, fell_back = ranking_loss(r, group["ranks"], group["margin"], kind, center)
        losses.append(loss)
        fallbacks += int(fell_back)
        for w, l in pairs:
            gap = (r[w] - r[l]).item()
            gaps.append(gap)
            correct.append(1.0 if gap > 0 else (0.5 if gap == 0 else 0.0))
    return (sum(losses) / len(losses), sum(correct) / len(correct), sum(gaps) / len(gaps),
            len(gaps), len(losses), fallbacks)


def central_differences(scores, groups, kind, center, h=1e-6):
    grad = []
    for i in range(len(scores)):
        up, down = scores.clone(), scores.clone()
        up[i] += h
        down[i] -= h
        grad.append((batch_loss(up, groups, kind, center)[0] -
                     batch_loss(down, groups, kind, center)[0]).item() / (2 * h))
    return torch.tensor(grad, dtype=torch.float64)


def make_case(name, scores, groups, kind, center):
    x = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    loss, accuracy, mean_gap, pairs, rankings, fallbacks = batch_loss(x, groups, kind, center)
    loss.backward()
    numeric = central_differences(x.detach(), groups, kind, center)
    assert torch.allclose(x.grad, numeric, atol=1e-8), (name, x.grad, numeric)
    return {"name": name, "scores": scores, "groups": groups,
            "options": {"kind": kind, "center_coefficient": center},
            "expected": {"loss": loss.item(), "accuracy": accuracy, "mean_gap": mean_gap,
                         "pairs": pairs, "rankings": rankings, "pl_fallbacks": fallbacks,
                         "grad": x.grad.tolist()}}


def main():
    # Prompt A (rows 0-3) ranked by two labelers, sharing one forward pass per completion: alice
    # ties rows 0 and 3 (rows listed out of order; rows 0 and 1 score the same, a gap of exactly 0),
    # bob ranks strictly. Prompt B (rows 4-5): K = 2, row 5 "much better" (margin 2/3), scored worse.
    hh_scores = [0.75, 0.75, 1.5, -0.25, 0.5, -1.0]
    hh_groups = [
        {"rows": [2, 0, 3, 1], "ranks": [0, 1, 1, 2], "margin": 0.0},  # alice: 5 pairs
        {"rows": [0, 1, 2, 3], "ranks": [1, 3, 0, 2], "margin": 0.0},  # bob: 6 pairs
        {"rows": [4, 5], "ranks": [1, 0], "margin": 2.0 / 3.0},        # 1 pair, with margin
    ]
    cases = []
    for kind in ["pairwise", "plackett_luce"]:
        for center in [0.0, 0.01]:
            suffix = "_centered" if center else ""
            cases.append(make_case("hh_batch_" + kind + suffix, hh_scores, hh_groups, kind, center))

    # A strict K = 9 ranking, rows in scrambled order, scores from a fixed seed.
    generator = torch.Generator().manual_seed(20240517)
    k9_scores = [round(v, 6) for v in (2.0 * torch.randn(9, generator=generator, dtype=torch.float64)).tolist()]
    k9_rows = [4, 7, 0, 2, 8, 1, 5, 3, 6]
    k9_ranks = [3, 0, 8, 5, 1, 7, 2, 6, 4]
    k9_groups = [{"rows": k9_rows, "ranks": k9_ranks, "margin": 0.0}]
    cases.append(make_case("k9_plackett_luce", k9_scores, k9_groups, "plackett_luce", 0.0))
    cases.append(make_case("k9_pairwise", k9_scores, k9_groups, "pairwise", 0.0))

    # An all-tied ranking mixed in (rows 3-5): left out of the mean, its rows get no gradient,
    # and under Plackett-Luce it is no fallback either (it takes no loss at all). Row 7 is in no
    # group. Plus a K = 3 ranking with a tie at the bottom.
    tie_scores = [1.25, -0.5, 0.25, 2.0, -2.0, 0.125, 0.5, 3.0]
    tie_groups = [
        {"rows": [0, 1, 2], "ranks": [0, 2, 1], "margin": 0.0},
        {"rows": [3, 4, 5], "ranks": [1, 1, 1], "margin": 0.0},
        {"rows": [6, 2, 1], "ranks": [0, 1, 1], "margin": 0.0},
    ]
    for kind in ["pairwise", "plackett_luce"]:
        cases.append(make_case("all_tied_mixed_in_" + kind, tie_scores, tie_groups, kind, 0.0))

    # Sanity of the reference itself: for K = 2 without margin, Plackett-Luce is the pairwise loss.
    x = torch.tensor([0.3, -1.1], dtype=torch.float64)
    two = [{"rows": [0, 1], "ranks": [0, 1], "margin": 0.0}]
    assert math.isclose(batch_loss(x, two, "plackett_luce", 0.0)[0].item(),
                        batch_loss(x, two, "pairwise", 0.0)[0].item(), rel_tol=1e-15)

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reward_loss_golden.json")
    with open(out, "w") as f:
        json.dump({"generator": "tests/golden/make_reward_loss_golden.py",
                   "torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    for case in cases:
        e = case["expected"]
        print(f"{case['name']:32s} loss {e['loss']:.6f} acc {e['accuracy']:.4f} pairs {e['pairs']} "
              f"rankings {e['rankings']} pl_fallbacks {e['pl_fallbacks']}")


if __name__ == "__main__":
    main()
