#!/usr/bin/env python3
"""The Python PyTorch reference for bench_dpo: the K-wise DPO step written plainly on the same GPT-2
as bench/python/reward_reference.py (imported from there, its score head removed, logits from the
tied wte): every prompt's K completions in one right-padded forward, each completion's log-probs
summed (log-softmax gathered at the next token, completion positions only), every C(K, 2) pair's
sigmoid DPO loss against constant reference log-probs (mean over all pairs, equal per prompt),
backward, clip, AdamW (decay on matrices only, as ours), zero_grad. Prints one JSON line. Run by
bench_dpo as a subprocess with Debian's /usr/bin/python3 (torch 1.13), on the lengths, ranks and
reference values bench_dpo builds (see lengths_and_ranks)."""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reward_reference import RewardModel, lengths_and_ranks  # noqa: E402


class Policy(RewardModel):
    def __init__(self, *args):
        super().__init__(*args)
        del self.score  # a language model: logits from the tied embedding

    def forward(self, idx, mask):
        return self.hidden(idx, mask) @ self.wte.weight.t()  # (B, T, V)


def main():
    parser = argparse.ArgumentParser()
    for name in ["vocab", "positions", "embd", "layers", "heads", "prompts", "k", "seq",
                 "prompt-tokens", "steps", "warmup", "threads"]:
        parser.add_argument("--" + name, type=int, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Policy(args.vocab, args.positions, args.embd, args.layers, args.heads)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and not n.startswith("wte")
             and not n.startswith("wpe")]
    rest = [p for n, p in model.named_parameters() if not any(p is d for d in decay)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": rest, "weight_decay": 0.0}], lr=1e-5)
    lengths, ranks = lengths_and_ranks(args.prompts, args.k, args.seq)
    t = max(lengths)
    n = len(lengths)
    idx = torch.randint(0, 256, (n, t))  # (N, T)
    positions = torch.arange(t).view(1, t)
    mask = (positions < torch.tensor(lengths).view(-1, 1)).long()  # (N, T)
    completion = mask * (positions >= args.prompt_tokens).long()  # (N, T)
    idx = idx * mask + (args.vocab - 1) * (1 - mask)  # padding: end-of-text, as ours
    reference = torch.tensor([-2.0 * (l - args.prompt_tokens) for l in lengths])  # (N)
    w, l = [], []  # every prompt's C(K, 2) pairs as rows (chosen, rejected)
    for p, r in enumerate(ranks):
        for a in range(args.k):
            for b in range(args.k):
                if r[a] < r[b]:
                    w.append(p * args.k + a)
                    l.append(p * args.k + b)
    w, l = torch.tensor(w), torch.tensor(l)
    beta = 0.1
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    times = []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        logits = model(idx, mask)[:, :-1].float()  # (N, T-1, V)
        targets = idx[:, 1:].unsqueeze(-1)  # (N, T-1, 1)
        token_lp = logits.gather(-1, targets).squeeze(-1) - logits.logsumexp(-1)  # (N, T-1)
        sums = (token_lp * completion[:, 1:]).sum(1)  # (N)
        h = (sums[w] - reference[w]) - (sums[l] - reference[l])  # (P)
        loss = -F.logsigmoid(beta * h).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({"step_s_median": median, "pairs_per_s": len(w) / median,
                      "pairs": len(w), "sequences": n, "tokens": int(mask.sum()),
                      "parameters": sum(p.numel() for p in model.parameters()),
                      "threads": torch.get_num_threads(), "loss": loss.item(),
                      "rss_before_training_mib": rss_before,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


if __name__ == "__main__":
    main()
