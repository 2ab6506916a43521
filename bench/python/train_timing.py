"""The training step train_reference.py and llama_train_reference.py time, as bench/train_step_timing.h
times ours: random tokens, forward + cross-entropy + backward + clip 1.0 + AdamW (lr 1e-4, weight
decay 0.1 on 2-D weights other than the embeddings) + zero_grad in place; the median of the timed
steps after the warm-up ones, printed as one JSON line with the counts the benchmark checks."""
import json
import os
import statistics
import time

import torch


def decays(name, parameter):
    return parameter.dim() >= 2 and not any(m in name for m in ("wte", "wpe", "emb"))


def time_training(model, vocab, batch, seq, steps, warmup):
    """model(idx, targets) returns the loss."""
    decay = [p for n, p in model.named_parameters() if decays(n, p)]
    no_decay = [p for n, p in model.named_parameters() if not decays(n, p)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=1e-4)
    idx = torch.randint(0, vocab, (batch, seq))
    targets = torch.randint(0, vocab, (batch, seq))
    times = []
    for step in range(warmup + steps):
        start = time.perf_counter()
        loss = model(idx, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)  # in place, as LibTorch 1.13's zero_grad
        if step >= warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({"step_s_median": median, "tokens_per_s": batch * seq / median,
                      "timed_steps": len(times),
                      "parameters": sum(p.numel() for p in model.parameters()),
                      "decayed_parameters": sum(p.numel() for p in decay),
                      "threads": torch.get_num_threads(),
                      "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset (libgomp spins)"),
                      "loss": loss.item()}))
