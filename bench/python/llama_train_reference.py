#!/usr/bin/env python3
"""The Python PyTorch reference for bench_llama_train: a Llama-architecture causal LM (RMSNorm with
float32 statistics, rotary embeddings in the "rotate half" pairing, SwiGLU, grouped-query attention
with key/value heads expanded as transformers' repeat_kv, tied embeddings, no biases, no dropout)
written plainly after transformers' modeling_llama.py eager path, timed on forward + cross-entropy
+ backward + clip + AdamW step + zero_grad at a given shape, batch, sequence and thread count.
Prints one JSON line with the parameter counts bench_llama_train checks against its own. Run by
bench_llama_train as a subprocess with Debian's /usr/bin/python3 (torch 1.13, which has no fused
attention), inheriting its OMP_WAIT_POLICY; no data loading, so both sides time the model and the
optimizer only. The optimizer rules are ours: weight decay on 2-D weights whose name has no "wte",
"wpe" or "emb" (core/optim/optimizer_factory.cpp), gradients zeroed in place."""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from train_timing import time_training


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        return self.weight * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).to(
            x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, embd, heads, kv_heads):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, embd // heads
        self.q_proj = nn.Linear(embd, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(embd, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(embd, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, embd, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.heads, self.head_dim).transpose(1, 2)  # (B, nh, T, hs)
        k = self.k_proj(x).view(B, T, self.kv_heads, self.head_dim).transpose(1, 2)  # (B, kv, T, hs)
        v = self.v_proj(x).view(B, T, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.heads // self.kv_heads  # repeat_kv: query head h reads key/value head h // rep
        k = k[:, :, None].expand(B, self.kv_heads, rep, T, self.head_dim).reshape(B, -1, T,
                                                                                 self.head_dim)
        v = v[:, :, None].expand(B, self.kv_heads, rep, T, self.head_dim).reshape(B, -1, T,
                                                                                 self.head_dim)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))  # (B, nh, T, T)
        att = att.masked_fill(~mask, -1e30).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, -1)
        return self.o_proj(y)


class Layer(nn.Module):
    def __init__(self, embd, intermediate, heads, kv_heads, eps):
        super().__init__()
        self.input_layernorm = RMSNorm(embd, eps)
        self.self_attn = Attention(embd, heads, kv_heads)
        self.post_attention_layernorm = RMSNorm(embd, eps)
        self.gate_proj = nn.Linear(embd, intermediate, bias=False)
        self.up_proj = nn.Linear(embd, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, embd, bias=False)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self, vocab, embd, intermediate, layers, heads, kv_heads, rope_theta, eps):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, embd)
        self.layers = nn.ModuleList(
            [Layer(embd, intermediate, heads, kv_heads, eps) for _ in range(layers)])
        self.norm = RMSNorm(embd, eps)
        hs = embd // heads
        self.register_buffer(
            "inv_freq", 1.0 / rope_theta ** (torch.arange(0, hs, 2).float() / hs), persistent=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, targets):
        B, T = idx.shape
        freqs = torch.arange(T).float().unsqueeze(-1) * self.inv_freq  # (T, hs/2)
        emb = torch.cat((freqs, freqs), dim=-1)  # (T, hs)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        x = self.embed_tokens(idx)  # (B, T, C)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        logits = F.linear(self.norm(x), self.embed_tokens.weight)  # (B, T, V), tied
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    parser = argparse.ArgumentParser()
    for name in ["vocab", "embd", "intermediate", "layers", "heads", "kv_heads", "batch", "seq",
                 "steps", "warmup", "threads"]:
        parser.add_argument("--" + name.replace("_", "-"), type=int, required=True)
    parser.add_argument("--rope-theta", type=float, required=True)
    parser.add_argument("--eps", type=float, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Llama(args.vocab, args.embd, args.intermediate, args.layers, args.heads,
                  args.kv_heads, args.rope_theta, args.eps)
    time_training(model, args.vocab, args.batch, args.seq, args.steps, args.warmup)


if __name__ == "__main__":
    main()
