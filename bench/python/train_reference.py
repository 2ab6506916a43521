#!/usr/bin/env python3
"""The Python PyTorch reference for bench_train: the same GPT-2 (learned positions, pre-LayerNorm,
tanh GELU, tied embeddings, no dropout) written plainly as nanoGPT writes it, timed on
forward + backward + clip + AdamW step + zero_grad at a given size, batch, sequence and thread
count. Prints one JSON line, with the parameter counts bench_train checks against its own. Run by
bench_train as a subprocess with Debian's /usr/bin/python3 (torch 1.13), inheriting its
OMP_WAIT_POLICY; it leaves out data loading, so both sides time the model and optimizer only.
The optimizer rules are ours: weight decay on 2-D weights whose name has no "wte", "wpe" or "emb"
(core/optim/optimizer_factory.cpp), gradients zeroed in place (LibTorch 1.13's zero_grad)."""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from train_timing import time_training


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))  # (B, nh, T, T)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, -1e30).softmax(dim=-1)
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

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab_size, n_positions, n_embd, n_layer, n_head):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x)
        logits = F.linear(self.ln_f(x), self.wte.weight)  # (B, T, V), tied
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    parser = argparse.ArgumentParser()
    for name in ["vocab", "positions", "embd", "layers", "heads", "batch", "seq", "steps",
                 "warmup", "threads"]:
        parser.add_argument("--" + name, type=int, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = GPT(args.vocab, args.positions, args.embd, args.layers, args.heads)
    time_training(model, args.vocab, args.batch, args.seq, args.steps, args.warmup)


if __name__ == "__main__":
    main()
