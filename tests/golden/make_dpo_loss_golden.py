#!/usr/bin/python3
"""Writes tests/golden/dpo_loss_golden.json: the DPO loss family (sigmoid, IPO, cDPO, robust,
hinge, length-normalized sigmoid, SimPO, each plus RPO's chosen-NLL term) on hand-made weighted
batches of preference pairs, with the weighted reward / margin / accuracy / log-prob / NLL metrics
and d loss / d log-prob for every pair, computed here in float64 with plain loops over pairs and
torch autograd (gradients also checked against central differences). Imports nothing of ours; the
formulas are re-typed from the issue: see core/train/dpo_loss.h for the same in C++.

Per pair: pc, pr = policy log p(chosen), log p(rejected) (sums over tokens); rc, rr = the same
under the reference; nc, nr = token counts; w = the pair's weight (a case's weights sum to 1).
    ls(x) = -log sigmoid(x),  h = (pc - rc) - (pr - rr),  h' = (pc - rc)/nc - (pr - rr)/nr
    sigmoid       ls(beta h)
    ipo           (h' - 1/(2 beta))^2
    cdpo          (1 - e) ls(beta h) + e ls(-beta h)
    robust        ((1 - e) ls(beta h) - e ls(-beta h)) / (1 - 2e)
    hinge         relu(1 - beta h)
    sigmoid_norm  ls(beta h')
    simpo         ls(beta (pc/nc - pr/nr) - gamma)          (reference-free)
    every kind    + c * (-pc/nc)                            (RPO, c = nll_coefficient)
    batch loss = sum_i w_i loss_i; every metric is sum_i w_i x_i.

    /usr/bin/python3 tests/golden/make_dpo_loss_golden.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

KINDS = ["sigmoid", "ipo", "cdpo", "robust", "hinge", "sigmoid_norm", "simpo"]
PC, PR, RC, RR = range(4)  # rows of the (4, P) log-prob tensor


def ls(x):
    return -F.logsigmoid(x)


def pair_loss(pc, pr, rc, rr, nc, nr, o):
    """Loss of one pair (without the weight)."""
    kind, beta, e, gamma, c = (o["loss"], o["beta"], o["label_smoothing"], o["gamma"],
                               o["nll_coefficient"])
    h = (pc - rc) - (pr - rr)
    hn = (pc - rc) / nc - (pr - rr) / nr
    if kind == "sigmoid":
        loss = ls(beta * h)
    elif kind == "ipo":
        loss = (hn - 1.0 / (2.0 * beta)) ** 2
    elif kind == "cdpo":
        loss = (1.0 - e) * ls(beta * h) + e * ls(-beta * h)
    elif kind == "robust":
        loss = ((1.0 - e) * ls(beta * h) - e * ls(-beta * h)) / (1.0 - 2.0 * e)
    elif kind == "hinge":
        loss = F.relu(1.0 - beta * h)
    elif kind == "sigmoid_norm":
        loss = ls(beta * hn)
    elif kind == "simpo":
        loss = ls(beta * (pc / nc - pr / nr) - gamma)
    else:
        raise ValueError(kind)
    return loss + c * (-pc / nc)


def pair_rewards(pc, pr, rc, rr, nc, nr, o):
    """(chosen_reward, rejected_reward) of one pair, as floats."""
    kind, beta = o["loss"], o["beta"]
    if kind in ("sigmoid", "cdpo", "robust", "hinge"):
        return beta * (pc - rc), beta * (pr - rr)
    if kind in ("ipo", "sigmoid_norm"):
        return beta * (pc - rc) / nc, beta * (pr - rr) / nr
    if kind == "simpo":
        return beta * pc / nc, beta * pr / nr
    raise ValueError(kind)


def batch_loss(x, pairs, o):
    """x: (4, P) float64 log-probs (rows PC, PR, RC, RR). Returns the weighted batch loss."""
    total = torch.zeros((), dtype=torch.float64)
    for i, w in enumerate(pairs["weight"]):
        nc, nr = float(pairs["chosen_tokens"][i]), float(pairs["rejected_tokens"][i])
        total = total + w * pair_loss(x[PC, i], x[PR, i], x[RC, i], x[RR, i], nc, nr, o)
    return total


def metrics(pairs, o):
    m = dict.fromkeys(["rewards_chosen", "rewards_rejected", "margins", "accuracies",
                       "logps_chosen", "logps_rejected", "nll"], 0.0)
    for i, w in enumerate(pairs["weight"]):
        pc, pr = pairs["policy_chosen"][i], pairs["policy_rejected"][i]
        rc, rr = pairs["reference_chosen"][i], pairs["reference_rejected"][i]
        nc, nr = float(pairs["chosen_tokens"][i]), float(pairs["rejected_tokens"][i])
        chosen, rejected = pair_rewards(pc, pr, rc, rr, nc, nr, o)
        m["rewards_chosen"] += w * chosen
        m["rewards_rejected"] += w * rejected
        m["margins"] += w * (chosen - rejected)
        m["accuracies"] += w * (1.0 if chosen > rejected else 0.0)  # a tie counts 0
        m["logps_chosen"] += w * pc
        m["logps_rejected"] += w * pr
        m["nll"] += w * (-pc / nc)
    return m


def as_tensor(pairs):
    return torch.tensor([pairs["policy_chosen"], pairs["policy_rejected"],
                         pairs["reference_chosen"], pairs["reference_rejected"]],
                        dtype=torch.float64)


def central_differences(x, pairs, o, step=1e-6):
    grad = torch.zeros_like(x)
    for r in range(x.shape[0]):
        for i in range(x.shape[1]):
            up, down = x.clone(), x.clone()
            up[r, i] += step
            down[r, i] -= step
            grad[r, i] = (batch_loss(up, pairs, o) - batch_loss(down, pairs, o)).item() / (2 * step)
    return grad


def make_pairs(rows, weights=None):
    """rows: (pc, pr, rc, rr, nc, nr) per pair; weights default to 1/P each."""
    for pc, pr, rc, rr, nc, nr in rows:
        assert all(-200.0 <= v <= -1.0 for v in (pc, pr, rc, rr)), rows
        assert isinstance(nc, int) and isinstance(nr, int) and nc >= 1 and nr >= 1, rows
    if weights is None:
        weights = [1.0 / len(rows)] * len(rows)
    assert len(weights) == len(rows) and math.isclose(sum(weights), 1.0, rel_tol=1e-15)
    return {"policy_chosen": [float(r[0]) for r in rows],
            "policy_rejected": [float(r[1]) for r in rows],
            "reference_chosen": [float(r[2]) for r in rows],
            "reference_rejected": [float(r[3]) for r in rows],
            "chosen_tokens": [r[4] for r in rows],
            "rejected_tokens": [r[5] for r in rows],
            "weight": [float(w) for w in weights]}


def clean(values):
    return [v + 0.0 for v in values]  # -0.0 -> 0.0


def make_case(name, kind, rows, beta, label_smoothing=0.0, gamma=0.0, nll_coefficient=0.0,
              weights=None):
    assert kind in KINDS
    if kind == "robust":
        assert label_smoothing < 0.5
    o = {"loss": kind, "beta": beta, "label_smoothing": label_smoothing, "gamma": gamma,
         "nll_coefficient": nll_coefficient}
    pairs = make_pairs(rows, weights)
    if kind == "hinge":  # keep well away from the kink, where the derivative is undefined
        for pc, pr, rc, rr, _, _ in rows:
            assert abs(1.0 - beta * ((pc - rc) - (pr - rr))) > 1e-3, (name, pc, pr, rc, rr)
    x = as_tensor(pairs).requires_grad_(True)
    loss = batch_loss(x, pairs, o)
    loss.backward()
    numeric = central_differences(x.detach(), pairs, o)
    assert torch.allclose(x.grad, numeric, rtol=1e-6, atol=1e-7), (name, x.grad, numeric)
    if kind == "simpo":  # reference-free
        assert torch.all(x.grad[RC] == 0) and torch.all(x.grad[RR] == 0), name
    expected = {"loss": loss.item()}
    expected.update(metrics(pairs, o))
    expected.update({"grad_policy_chosen": clean(x.grad[PC].tolist()),
                     "grad_policy_rejected": clean(x.grad[PR].tolist()),
                     "grad_reference_chosen": clean(x.grad[RC].tolist()),
                     "grad_reference_rejected": clean(x.grad[RR].tolist())})
    case = {"name": name}
    case.update(o)
    case["pairs"] = pairs
    case["expected"] = expected
    return case


def main():
    # A 4-pair batch, equal weights, moderate log-probs and token counts; every kind runs on it.
    #        pc        pr        rc        rr       nc  nr
    base = [(-42.5,   -55.0,    -45.0,    -52.75,   18, 24),
            (-87.25,  -80.5,    -85.0,    -83.0,    35, 31),
            (-15.0,   -22.125,  -16.5,    -20.0,     7,  9),
            (-130.75, -128.0,   -133.5,   -126.25,  52, 49)]
    # Token counts from 1 to 40 on the two sides of a pair.
    tokens = [(-1.75,   -96.3,    -2.5,     -90.1,     1, 40),
              (-61.2,   -3.4,     -66.9,    -2.05,    40,  1),
              (-7.9,    -58.35,   -8.6,     -55.0,     3, 27),
              (-29.45,  -11.8,    -27.3,    -13.65,   12,  5)]
    # Huge |beta h| (beta = 1): h = 80, -80, 100, -120; ls must neither overflow nor lose them.
    large = [(-10.0,   -70.0,    -60.0,    -40.0,    20, 30),
             (-60.0,   -40.0,    -10.0,    -70.0,    30, 20),
             (-5.0,    -195.0,   -105.0,   -195.0,    4, 90),
             (-150.0,  -20.0,    -40.5,    -30.5,    60, 15)]
    # Hinge at beta 0.5: h = 6 (beta h = 3, past the hinge), -4 (inside), 1.5 (0.75, inside),
    # 2.5 (1.25, past), 10 (5, past).
    hinge = [(-30.0,   -44.0,    -34.0,    -42.0,    12, 16),
             (-51.5,   -47.0,    -49.0,    -48.5,    20, 19),
             (-12.25,  -18.0,    -13.0,    -17.25,    5,  8),
             (-99.0,   -120.5,   -100.0,   -119.0,   40, 45),
             (-64.0,   -91.0,    -70.0,    -87.0,    25, 33)]
    # Policy equal to the reference: h = 0 everywhere.
    same = [(r[2], r[3], r[2], r[3], r[4], r[5]) for r in base]
    # Pair 0's chosen and rejected rewards tie exactly (pc - rc = pr - rr = -2.25): accuracy 0.
    tie = [(-12.5,   -30.75,   -10.25,   -28.5,     6, 13),
           (-20.0,   -26.5,    -21.75,   -24.0,     9, 11)]
    single = [(-38.6, -47.9, -40.05, -46.2, 17, 21)]
    # Two rankings: prompt A with K = 2 (one pair, weight 1/2), prompt B with K = 3, completions
    # b1 > b2 > b3 (pairs (b1,b2), (b1,b3), (b2,b3), weight 1/6 each); a pair's values are those
    # of its two completions.
    a1, a2 = (-23.5, -25.0, 10), (-31.75, -29.5, 13)  # (policy, reference, tokens)
    b1, b2, b3 = (-33.25, -36.0, 14), (-41.5, -40.75, 19), (-28.0, -25.5, 11)
    ranked = [(c[0], r[0], c[1], r[1], c[2], r[2]) for c, r in [(a1, a2), (b1, b2), (b1, b3),
                                                                 (b2, b3)]]
    ranked_w = [1.0 / 2.0] + [1.0 / (2 * 3)] * 3

    cases = [
        make_case("sigmoid_default", "sigmoid", base, 0.1),
        make_case("ipo_default", "ipo", base, 0.1),
        make_case("cdpo_default", "cdpo", base, 0.1, label_smoothing=0.1),
        make_case("robust_default", "robust", base, 0.1, label_smoothing=0.1),
        make_case("hinge_default", "hinge", base, 0.1),
        make_case("sigmoid_norm_default", "sigmoid_norm", base, 5.0),
        make_case("simpo_default", "simpo", base, 2.0, gamma=0.5),
        make_case("sigmoid_policy_equals_reference", "sigmoid", same, 0.1),
        make_case("hinge_some_past_the_hinge", "hinge", hinge, 0.5),
        make_case("sigmoid_large_logits", "sigmoid", large, 1.0),
        make_case("cdpo_large_logits", "cdpo", large, 1.0, label_smoothing=0.1),
        make_case("robust_large_logits", "robust", large, 1.0, label_smoothing=0.1),
        make_case("sigmoid_rpo_nll", "sigmoid", base, 0.1, nll_coefficient=1.0),
        make_case("simpo_rpo_nll", "simpo", base, 2.0, gamma=0.5, nll_coefficient=1.0),
        make_case("sigmoid_norm_unequal_tokens", "sigmoid_norm", tokens, 5.0),
        make_case("ipo_unequal_tokens", "ipo", tokens, 0.1),
        make_case("simpo_unequal_tokens", "simpo", tokens, 2.0, gamma=0.5),
        make_case("sigmoid_single_pair", "sigmoid", single, 0.1),
        make_case("robust_smoothing_0.3", "robust", base, 0.1, label_smoothing=0.3),
        make_case("cdpo_smoothing_0.5", "cdpo", base, 0.1, label_smoothing=0.5),
        make_case("sigmoid_reward_tie", "sigmoid", tie, 0.1),
        make_case("sigmoid_two_rankings_weighted", "sigmoid", ranked, 0.1, weights=ranked_w),
        make_case("ipo_two_rankings_weighted", "ipo", ranked, 0.1, weights=ranked_w),
        make_case("simpo_two_rankings_weighted", "simpo", ranked, 2.0, gamma=0.5,
                  weights=ranked_w),
        make_case("hinge_two_rankings_weighted", "hinge", ranked, 0.1, weights=ranked_w),
    ]
    assert {c["loss"] for c in cases} == set(KINDS)

    # Sanity of the reference itself.
    by_name = {c["name"]: c for c in cases}
    e = by_name["sigmoid_policy_equals_reference"]["expected"]
    assert abs(e["loss"] - math.log(2.0)) <= 1e-15, e["loss"]
    assert e["rewards_chosen"] == 0 and e["rewards_rejected"] == 0 and e["margins"] == 0
    assert e["accuracies"] == 0
    # cDPO with e = 0 and robust with e = 0 are the sigmoid loss; cDPO at e = 0.5 is symmetric in h.
    base_pairs = make_pairs(base)
    x = as_tensor(base_pairs)
    o = {"loss": "sigmoid", "beta": 0.1, "label_smoothing": 0.0, "gamma": 0.0,
         "nll_coefficient": 0.0}
    for kind in ("cdpo", "robust"):
        assert math.isclose(batch_loss(x, base_pairs, dict(o, loss=kind)).item(),
                            by_name["sigmoid_default"]["expected"]["loss"], rel_tol=1e-15)
    e = by_name["hinge_some_past_the_hinge"]["expected"]
    assert [g == 0.0 for g in e["grad_policy_chosen"]] == [True, False, False, True, True]
    e = by_name["sigmoid_reward_tie"]["expected"]
    assert e["accuracies"] == by_name["sigmoid_reward_tie"]["pairs"]["weight"][1]

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dpo_loss_golden.json")
    with open(out, "w") as f:
        json.dump({"description": "DPO loss family golden values, written by "
                                  "tests/golden/make_dpo_loss_golden.py (float64, torch "
                                  + torch.__version__ + " autograd, checked against central "
                                  "differences); formulas in that script's docstring.",
                   "cases": cases}, f, indent=1)
        f.write("\n")
    for case in cases:
        e = case["expected"]
        print(f"{case['name']:34s} loss {e['loss']!r:24s} margins {e['margins']:+.6f} "
              f"acc {e['accuracies']:.4f} nll {e['nll']:.6f}")


if __name__ == "__main__":
    main()
