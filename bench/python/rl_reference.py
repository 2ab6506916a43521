#!/usr/bin/env python3
"""The Python PyTorch reference for bench_rl: one online-RL rollout + update written plainly, on the
same GPT-2 as bench/python/reward_reference.py (imported, with a KV cache added here), timed in
three phases as our RlTrainer logs them:
  rollout  K samples of each prompt, left-padded into one batch, token by token with the KV cache
           at temperature 1 (no top-k, no top-p), until every row wrote end-of-text or
           max_new_tokens (finished rows keep decoding padding, as our Sampler does);
  scoring  the policy's and the frozen reference's log-probs of the sampled tokens (one
           right-padded forward each, eval mode, no grad) and the demo rule (1 - Levenshtein /
           longer length, reimplemented below) on every completion;
  update   advantages (GRPO, RLOO; PPO's critic values, one eval forward, then GAE, as ours
           forms them after its time/scoring), then ppo_epochs shuffled passes of minibatches:
           forward in train mode, the clipped loss, the ratio guard (one sync), backward, clip 1.0,
           AdamW. Measured as wall - rollout - scoring, as bench_rl measures ours.
PPO (`--algorithm ppo`) adds a value model: the same trunk with a per-token Linear(n_embd, 1)
head, initialised from the policy, its own AdamW; per-token rewards -kl_coef k1 plus the score at
the last token, GAE (gamma 1, lambda 0.95), whitened advantages, loss = policy + 0.1 x the clipped
value loss in one backward, each model clipped and stepped apart (our PPO's defaults). Prints one
JSON line. Run by bench_rl with Debian's /usr/bin/python3 (torch 1.13) on the prompts and the
random-init checkpoint it writes (--prompts-file, --policy-dir); alone, on its own init."""
import argparse
import json
import math
import os
import random
import resource
import statistics
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reward_reference import RewardModel  # noqa: E402


def load_checkpoint(model, folder):
    """Our checkpoint's weights into reward_reference's names: model.safetensors (F32, read by
    hand: torch 1.13 has no safetensors) with Hugging Face's names and Conv1D (in, out) layout."""
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        header_size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_size))
        data = f.read()
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{folder}: {name} is {entry['dtype']}, not F32")
        begin, end = entry["data_offsets"]
        value = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
        value = value.view(entry["shape"])
        if name.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight")):
            value = value.t()  # Conv1D (in, out) -> Linear (out, in)
        state[name.replace("transformer.", "").replace("mlp.", "")] = value
    model.load_state_dict(state)


def attention_allowed(mask, t, past):
    """(B, 1, T, Tk) bool: query i sees key j when j <= past + i and key j is real, or j is i."""
    b, tk = mask.shape
    key = torch.arange(tk).view(1, tk)  # (1, Tk)
    query = (torch.arange(t) + past).view(t, 1)  # (T, 1)
    return ((key <= query) & mask.bool().view(b, 1, 1, tk)) | (key == query)  # (B, 1, T, Tk)


class Policy(RewardModel):
    """reward_reference's GPT without the score head; logits from the tied wte; a KV-cache step."""

    def __init__(self, *args):
        super().__init__(*args)
        del self.score

    def forward(self, idx, mask):
        return self.hidden(idx, mask) @ self.wte.weight.t()  # (B, T, V)

    def step(self, idx, mask, pos, cache):
        """Next-token logits (B, V) of idx (B, T) after the cached past; appends to `cache`, a list
        of per-layer (k, v) of shape (B, nh, T_past, hs). mask (B, T_past + T), pos (B, T)."""
        b, t = idx.shape
        past = cache[0][0].size(2) if cache else 0
        allowed = attention_allowed(mask, t, past)  # (B, 1, T, Tk), once for all layers
        x = self.wte(idx) + self.wpe(pos)  # (B, T, C)
        c = x.size(2)
        for i, block in enumerate(self.h):
            nh = block.attn.n_head
            q, k, v = block.attn.c_attn(block.ln_1(x)).split(c, dim=2)
            q = q.view(b, t, nh, c // nh).transpose(1, 2)  # (B, nh, T, hs)
            k = k.view(b, t, nh, c // nh).transpose(1, 2)
            v = v.view(b, t, nh, c // nh).transpose(1, 2)
            if len(cache) > i:
                k = torch.cat([cache[i][0], k], 2)  # (B, nh, Tk, hs)
                v = torch.cat([cache[i][1], v], 2)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
            att = (q * (1.0 / math.sqrt(k.size(-1)))) @ k.transpose(-2, -1)  # (B, nh, T, Tk)
            att = att.masked_fill(~allowed, -1e30).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)  # (B, T, C)
            x = x + block.attn.c_proj(y)
            x = x + block.c_proj(F.gelu(block.c_fc(block.ln_2(x)), approximate="tanh"))
        return self.ln_f(x)[:, -1] @ self.wte.weight.t()  # (B, V), ln_f over all T as ours


class ValueModel(RewardModel):
    """The same trunk with the score head read at every position: (B, T) values."""

    def forward(self, idx, mask):
        return self.score(self.hidden(idx, mask)).squeeze(-1)  # (B, T)


def sample(policy, prompts, max_new, eos, temperature, generator):
    """Completion ids per row (end-of-text not included) and whether each row ended, plus the
    decode steps taken. Left padding, positions counting real tokens, as our Sampler."""
    b, longest = len(prompts), max(len(p) for p in prompts)
    max_new = min(max_new, policy.wpe.num_embeddings - longest)
    ids = torch.full((b, longest), eos, dtype=torch.long)  # (B, P)
    mask = torch.zeros(b, longest, dtype=torch.long)  # (B, P)
    for row, prompt in enumerate(prompts):
        ids[row, longest - len(prompt):] = torch.tensor(prompt)
        mask[row, longest - len(prompt):] = 1
    pos = (mask.cumsum(1) - 1).clamp(min=0)  # (B, P)
    cache, steps = [], []
    finished = torch.zeros(b, dtype=torch.bool)
    for _ in range(max_new):
        logits = policy.step(ids, mask, pos, cache)  # (B, V)
        probs = (logits.float() / temperature).softmax(-1)  # (B, V)
        nxt = torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B)
        nxt.masked_fill_(finished, eos)  # finished rows keep emitting padding
        steps.append(nxt)
        finished |= nxt == eos
        if bool(finished.all()):
            break
        pos = mask.sum(1, keepdim=True)  # (B, 1) the new token's position
        mask = torch.cat([mask, torch.ones(b, 1, dtype=torch.long)], 1)  # (B, P + t + 1)
        ids = nxt.unsqueeze(1)  # (B, 1)
    generated = torch.stack(steps, 1).tolist()  # (B, steps)
    completions, ended = [], []
    for row in generated:
        cut = row.index(eos) if eos in row else len(row)
        completions.append(row[:cut])
        ended.append(cut < len(row))
    return completions, ended, len(steps)


def sequence_batch(prompts, completions, pad):
    """Right-padded prompt + completion rows: idx, attention mask, completion mask, each (B, T)."""
    rows = [p + c for p, c in zip(prompts, completions)]
    t = max(len(r) for r in rows)
    idx = torch.full((len(rows), t), pad, dtype=torch.long)
    mask = torch.zeros(len(rows), t, dtype=torch.long)
    completion = torch.zeros(len(rows), t, dtype=torch.long)
    for i, (p, r) in enumerate(zip(prompts, rows)):
        idx[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
        completion[i, len(p):len(r)] = 1
    return idx, mask, completion


def token_logprobs(model, idx, mask, completion, temperature):
    """(B, T-1) log-prob of each next token, 0 off the completion (our sequence_logprobs)."""
    logits = model(idx, mask)[:, :-1].float() / temperature  # (B, T-1, V)
    lp = logits.gather(-1, idx[:, 1:].unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1)
    return lp * completion[:, 1:]  # (B, T-1)


def levenshtein(a, b):
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            above = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]))
            diagonal = above
    return row[len(b)]


def demo_score(prompt, completion_ids):
    """core/train/demo_task.cpp's demo_score on bytes: prompt "Sort: <letters>\\n"."""
    reference = bytes(sorted(prompt[len("Sort: "):-1].encode()))
    answer = bytes(completion_ids).rstrip(b" \t\n\v\f\r")
    longest = max(len(reference), len(answer))
    return 1.0 - levenshtein(reference, answer) / longest if longest else 1.0


def masked_mean(x, mask):
    return (x * mask).sum() / mask.sum().clamp(min=1.0)


def masked_whiten(x, mask):
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask) * mask.sum() / (mask.sum() - 1).clamp(min=1.0)
    return (x - mean) * torch.rsqrt(var + 1e-8) * mask


def gae(rewards, values, mask, gamma, lam):
    """Advantages and returns (B, T) over each row's real tokens from the last back."""
    advantages = torch.zeros_like(rewards)
    running = torch.zeros(rewards.size(0))
    for t in reversed(range(rewards.size(1))):
        next_value = values[:, t + 1] * mask[:, t + 1] if t + 1 < rewards.size(1) else 0.0
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = (delta + gamma * lam * running) * mask[:, t]
        advantages[:, t] = running
    return advantages, (advantages + values) * mask


def adamw(model, lr):
    """Our RL default optimizer: AdamW, weight_decay 0 (torch's default would be 0.01)."""
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)


class Prompts:
    """Endless batches of prompts, reshuffled every epoch (our IndexCycler's manner)."""

    def __init__(self, prompts, batch, seed):
        self.prompts, self.batch, self.rng = prompts, batch, random.Random(seed)
        self.order, self.cursor = list(range(len(prompts))), len(prompts)

    def next(self):
        out = []
        while len(out) < self.batch:
            if self.cursor == len(self.order):
                self.rng.shuffle(self.order)
                self.cursor = 0
            out.append(self.prompts[self.order[self.cursor]])
            self.cursor += 1
        return out


def run_rollout(args, policy, reference, value, prompts, generator):
    """Rollout and scoring of one batch of prompts; returns the tensors the update needs and the
    two phase times."""
    eos = args.vocab - 1
    rows = [p for p in prompts for _ in range(args.k)]  # group-major, K per prompt
    room = args.positions - args.max_new_tokens
    prompt_ids = [list(p.encode())[-room:] or [eos] for p in rows]
    start = time.perf_counter()
    with torch.no_grad():
        policy.eval()
        completions, ended, decode_steps = sample(policy, prompt_ids, args.max_new_tokens, eos,
                                                  args.temperature, generator)
        policy.train()
    sequences = [c + [eos] if e or not c else c for c, e in zip(completions, ended)]
    idx, mask, completion = sequence_batch(prompt_ids, sequences, eos)
    rollout_s = time.perf_counter() - start

    start = time.perf_counter()
    out = {"idx": idx, "mask": mask, "completion": completion.float()[:, 1:]}
    with torch.no_grad():
        policy.eval()
        out["old"] = token_logprobs(policy, idx, mask, completion, args.temperature)
        policy.train()
        out["ref"] = token_logprobs(reference, idx, mask, completion, args.temperature)
    reward_start = time.perf_counter()
    out["scores"] = torch.tensor([demo_score(p, c) for p, c in zip(rows, completions)],
                                 dtype=torch.float64)
    reward_s = time.perf_counter() - reward_start
    scoring_s = time.perf_counter() - start
    out["tokens"] = sum(len(s) for s in sequences)
    out["decode_steps"] = decode_steps
    out["ended"] = sum(ended)
    return out, rollout_s, scoring_s, reward_s


def advantages_of(args, r, value):
    """(B) per sequence for GRPO and RLOO; (B, T-1) per token (and the returns) for PPO, whose
    critic values of the rollout go into r["values"]."""
    k = args.k
    scores = r["scores"].view(-1, k)  # (P, K)
    if args.algorithm == "grpo":
        std = scores.std(1, unbiased=False, keepdim=True)
        return ((scores - scores.mean(1, keepdim=True)) / (std + 1e-4)).view(-1).float(), None
    kl = (r["old"].double() - r["ref"].double()) * r["completion"].double()  # (B, T-1) k1
    if args.algorithm == "rloo":
        rewards = scores - args.kl_coef * kl.sum(1).view(-1, k)  # (P, K)
        return (rewards - (rewards.sum(1, keepdim=True) - rewards) / (k - 1)).view(-1).float(), None
    with torch.no_grad():
        value.eval()
        r["values"] = value(r["idx"], r["mask"])[:, :-1] * r["completion"]  # (B, T-1)
        value.train()
    rewards = -args.kl_coef * kl.float()  # (B, T-1) per token
    last = (r["completion"] * torch.arange(rewards.size(1))).amax(1).long()  # (B) last real
    rewards[torch.arange(rewards.size(0)), last] += r["scores"].float()
    advantages, returns = gae(rewards, r["values"], r["completion"], 1.0, 0.95)
    return masked_whiten(advantages, r["completion"]), returns


def update(args, policy, value, optimizers, r):
    """ppo_epochs shuffled passes of minibatch updates; the clipped loss, ratio guard, clip 1.0."""
    advantages, returns = advantages_of(args, r, value)
    n = r["idx"].size(0)
    stats = []
    for _ in range(args.ppo_epochs):
        order = torch.randperm(n)
        for start in range(0, n, args.minibatch):
            rows = order[start:start + args.minibatch]
            t = int(r["mask"][rows].sum(1).max())  # this minibatch's own width
            idx, mask = r["idx"][rows, :t], r["mask"][rows, :t]
            m = r["completion"][rows, :t - 1]
            old, ref = r["old"][rows, :t - 1], r["ref"][rows, :t - 1]
            logits = policy(idx, mask)[:, :-1].float() / args.temperature  # (b, t-1, V)
            lp = (logits.gather(-1, idx[:, 1:].unsqueeze(-1)).squeeze(-1)
                  - logits.logsumexp(-1)) * m  # (b, t-1)
            ratio = torch.exp(lp - old)
            a = advantages[rows]
            a = a[:, :t - 1] if a.dim() == 2 else a.unsqueeze(1).expand_as(lp)
            clip = torch.clamp(ratio, 1 - args.clip_range, 1 + args.clip_range)
            clipped_loss = masked_mean(torch.max(-a * ratio, -a * clip), m)
            # The statistics ours logs for every algorithm.
            clipfrac = masked_mean((-a * clip > -a * ratio).float(), m).detach()
            approxkl = (0.5 * masked_mean((lp - old) ** 2, m)).detach()
            ratio_mean = masked_mean(ratio, m).detach()
            if args.algorithm == "grpo":  # per sequence mean over its tokens; beta = 0 (no k3)
                per_sequence = (-torch.min(ratio * a, clip * a) * m).sum(1) / m.sum(1).clamp(min=1)
                loss = per_sequence.mean()
            else:
                loss = clipped_loss
            if value is not None:  # PPO: the critic's clipped loss joins the one backward
                v = value(idx, mask)[:, :-1] * m  # (b, t-1)
                v_old, ret = r["values"][rows, :t - 1], returns[rows, :t - 1]
                v_clipped = v_old + torch.clamp(v - v_old, -0.2, 0.2)
                value_loss = 0.5 * masked_mean(torch.max((v - ret) ** 2, (v_clipped - ret) ** 2), m)
                loss = loss + args.value_coef * value_loss
            if ratio_mean.item() > 10.0:  # sync point: the ratio guard, as ours
                continue
            loss.backward()
            for model, optimizer in zip([policy, value], optimizers):  # each clipped apart
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
            stats.append(torch.stack([loss.detach(), clipfrac, approxkl, ratio_mean]))
    return float(torch.stack(stats).mean(0)[0]) if stats else float("nan")  # sync point: logged


def cpu_seconds():
    """CPU seconds of this process, all threads (as bench_rl reads ours)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser()
    for name in ["vocab", "positions", "embd", "layers", "heads", "rollout-prompts", "k",
                 "max-new-tokens", "ppo-epochs", "minibatch", "rollouts", "warmup", "threads"]:
        parser.add_argument("--" + name, type=int, required=True)
    parser.add_argument("--algorithm", choices=["grpo", "rloo", "ppo"], default="grpo")
    parser.add_argument("--prompts-file", help="JSON list of prompts; default: 256 demo prompts")
    parser.add_argument("--policy-dir", help="our checkpoint folder to start from (both sides "
                        "then sample the same distribution); default: a random init")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--clip-range", type=float, default=0.2)
    parser.add_argument("--kl-coef", type=float,
                        help="the reward's KL coefficient; default ours: RLOO 0.05, PPO 0.02")
    parser.add_argument("--value-coef", type=float, default=0.1)  # PPO's critic loss weight
    parser.add_argument("--lr", type=float, default=3e-4)
    args = parser.parse_args()
    if args.kl_coef is None:  # GRPO's is 0 and its loss leaves the k3 term out
        args.kl_coef = 0.02 if args.algorithm == "ppo" else 0.05
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.prompts_file:
        with open(args.prompts_file) as f:
            prompts = json.load(f)
    else:
        rng = random.Random(0)
        prompts = ["Sort: " + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                                      for _ in range(rng.randint(4, 10))) + "\n"
                   for _ in range(256)]
    shape = (args.vocab, args.positions, args.embd, args.layers, args.heads)
    policy = Policy(*shape)
    if args.policy_dir:
        load_checkpoint(policy, args.policy_dir)
    reference = Policy(*shape)
    reference.load_state_dict(policy.state_dict())
    reference.eval()
    for p in reference.parameters():
        p.requires_grad_(False)
    optimizers = [adamw(policy, args.lr)]
    value = None
    if args.algorithm == "ppo":
        value = ValueModel(*shape)
        value.load_state_dict(policy.state_dict(), strict=False)  # trunk from the policy
        optimizers.append(adamw(value, args.lr))
    batches = Prompts(prompts, args.rollout_prompts, 1)
    generator = torch.Generator().manual_seed(1234)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    times = {"rollout": [], "scoring": [], "reward": [], "update": [], "wall": [], "cpu": []}
    tokens, steps, ended = [], [], []
    for i in range(args.warmup + args.rollouts):
        start, cpu_start = time.perf_counter(), cpu_seconds()
        r, rollout_s, scoring_s, reward_s = run_rollout(args, policy, reference, value,
                                                        batches.next(), generator)
        loss = update(args, policy, value, optimizers, r)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
        if i < args.warmup:
            continue
        for key, seconds in [("rollout", rollout_s), ("scoring", scoring_s), ("reward", reward_s),
                             ("update", wall - rollout_s - scoring_s), ("wall", wall),
                             ("cpu", cpu)]:
            times[key].append(seconds)
        tokens.append(r["tokens"])
        steps.append(r["decode_steps"])
        ended.append(r["ended"])
    med = {key: statistics.median(values) for key, values in times.items()}
    episodes = args.rollout_prompts * args.k
    print(json.dumps({
        "algorithm": args.algorithm, "episodes": episodes, "rollouts": args.rollouts,
        "episodes_per_s": episodes / med["wall"], "wall_s": med["wall"],
        "rollout_s": med["rollout"], "scoring_s": med["scoring"],
        "scoring_reward_s": med["reward"], "update_s": med["update"], "cpu_s": med["cpu"],
        "generation_share": med["rollout"] / med["wall"],
        "tokens_per_rollout": statistics.mean(tokens),
        "decode_steps_per_rollout": statistics.mean(steps),
        "eos_per_rollout": statistics.mean(ended),
        "parameters": sum(p.numel() for p in policy.parameters()),
        "threads": torch.get_num_threads(), "loss": loss,
        "rss_before_training_mib": rss_before,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


if __name__ == "__main__":
    main()
