#!/usr/bin/env python3
"""The Python PyTorch reference for bench_reward: a reward model written plainly, GPT-2 (learned
positions counted over real tokens, pre-LayerNorm, tanh GELU, no dropout) with right padding and
an attention mask, plus a bias-free Linear(n_embd, 1) read at each row's last real token; one
K-wise step = every prompt's K completions in one forward, the pairwise loss over all C(K, 2)
pairs of their scores (mean over pairs, then over prompts), backward, clip, AdamW step. Prints one
JSON line. Run by bench_reward as a subprocess with Debian's /usr/bin/python3 (torch 1.13), on the
same token lengths and ranks as bench_reward builds (see lengths_and_ranks)."""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head

    def forward(self, x, allowed):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))  # (B, nh, T, T)
        att = att.masked_fill(~allowed, -1e30).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x, allowed):
        x = x + self.attn(self.ln_1(x), allowed)
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class RewardModel(nn.Module):
    def __init__(self, vocab_size, n_positions, n_embd, n_layer, n_head):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.score = nn.Linear(n_embd, 1, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def hidden(self, idx, mask):
        """Final hidden states after ln_f: (B, T, C). bench/python/dpo_reference.py reuses it."""
        B, T = idx.shape
        pos = (mask.cumsum(1) - 1).clamp(min=0)  # (B, T) positions of real tokens
        causal = torch.ones(T, T, dtype=torch.bool).tril()  # (T, T)
        eye = torch.eye(T, dtype=torch.bool)
        allowed = (causal & mask.bool().view(B, 1, 1, T)) | eye  # (B, 1, T, T); a row sees itself
        x = self.wte(idx) + self.wpe(pos)  # (B, T, C)
        for block in self.h:
            x = block(x, allowed)
        return self.ln_f(x)

    def forward(self, idx, mask):
        B, T = idx.shape
        x = self.hidden(idx, mask)  # (B, T, C)
        last = (mask * torch.arange(T)).amax(1)  # (B) each row's last real token
        return self.score(x[torch.arange(B), last]).squeeze(-1)  # (B)


def lengths_and_ranks(prompts, k, seq):
    """Row p*K + j: length seq/2 + (37 (p*K + j)) mod (seq/2 + 1), rank (K - 1 - j + p) mod K.
    bench_reward builds the same."""
    half = seq // 2
    lengths = [half + (37 * i) % (half + 1) for i in range(prompts * k)]
    ranks = [[(k - 1 - j + p) % k for j in range(k)] for p in range(prompts)]
    return lengths, ranks


def main():
    parser = argparse.ArgumentParser()
    for name in ["vocab", "positions", "embd", "layers", "heads", "prompts", "k", "seq", "steps",
                 "warmup", "threads"]:
        parser.add_argument("--" + name, type=int, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = RewardModel(args.vocab, args.positions, args.embd, args.layers, args.heads)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
    lengths, ranks = lengths_and_ranks(args.prompts, args.k, args.seq)
    t = max(lengths)
    idx = torch.randint(0, args.vocab - 1, (len(lengths), t))  # (N, T)
    mask = (torch.arange(t).view(1, t) < torch.tensor(lengths).view(-1, 1)).long()  # (N, T)
    idx = idx * mask  # padding token 0
    w, l = [], []  # every prompt's C(K, 2) pairs as rows (better, worse)
    for p, r in enumerate(ranks):
        for a in range(args.k):
            for b in range(args.k):
                if r[a] < r[b]:
                    w.append(p * args.k + a)
                    l.append(p * args.k + b)
    w, l = torch.tensor(w), torch.tensor(l)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    times = []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        scores = model(idx, mask)  # (N)
        # Equal pairs per prompt: the mean over all pairs is the mean of the prompts' means.
        loss = -F.logsigmoid(scores[w] - scores[l]).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({"step_s_median": median, "pairs_per_s": len(w) / median,
                      "pairs": len(w), "sequences": len(lengths), "tokens": len(lengths) * t,
                      "parameters": sum(p.numel() for p in model.parameters()),
                      "threads": torch.get_num_threads(), "loss": loss.item(),
                      "rss_before_training_mib": rss_before,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


if __name__ == "__main__":
    main()
