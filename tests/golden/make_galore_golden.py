#!/usr/bin/python3
"""Writes tests/golden/galore_golden.safetensors: GaLore-AdamW parameter trajectories computed by an
independent plain-PyTorch implementation of the algorithm of issue 4 (the authors' GaLoreProjector
and AdamW logic, re-typed from the paper's Algorithm 2 and their adamw.py semantics), driven by a
fixed, seeded sequence of gradients that the file also stores, so the C++ test replays the very
same gradients. Run with Debian's /usr/bin/python3 (torch 1.13); no safetensors package needed.

    /usr/bin/python3 tests/golden/make_galore_golden.py
"""
import json
import math
import os
import struct

import torch

SEED = 20240306
STEPS = 10
GAP = 3
LR = 0.01
BETAS = (0.9, 0.999)
EPS = 1e-6
SCALE = 0.25
WEIGHT_DECAY = 0.1
# (m, n, rank): square, tall, wide with rank > min(m, n) (clamped to 5), one row (clamped to 1).
SHAPES = [(8, 8, 3), (12, 5, 3), (5, 12, 8), (1, 7, 4)]
PROJ_TYPES = ["std", "reverse_std", "left", "right", "full"]
# Smallest relative gap between neighbouring singular values we accept in a refresh gradient:
# below it the SVD's singular vectors are ill-defined and two LAPACK calls could disagree.
MIN_SV_GAP = 0.05


class Projector:
    """One projector: basis from the SVD of a float32 gradient, the side fixed at refresh."""

    def __init__(self, rank, proj_type):
        self.rank = rank
        self.proj_type = proj_type
        self.side = None
        self.left = None   # U[:, :r]  (m, r)
        self.right = None  # Vh[:r, :] (r, n)

    def refresh(self, grad):
        m, n = grad.shape
        u, _, vh = torch.linalg.svd(grad.float(), full_matrices=False)
        r = min(self.rank, m, n)
        side = {"std": "right" if m >= n else "left",
                "reverse_std": "left" if m >= n else "right",
                "left": "left", "right": "right", "full": "full"}[self.proj_type]
        self.side = side
        self.left = u[:, :r].to(grad.dtype) if side in ("left", "full") else None
        self.right = vh[:r, :].to(grad.dtype) if side in ("right", "full") else None

    def project(self, grad):
        if self.side == "left":
            return torch.matmul(self.left.t(), grad)
        if self.side == "right":
            return torch.matmul(grad, self.right.t())
        return torch.matmul(self.left.t(), grad) @ self.right.t()

    def project_back(self, low):
        if self.side == "left":
            return torch.matmul(self.left, low)
        if self.side == "right":
            return torch.matmul(low, self.right)
        return torch.matmul(self.left, low) @ self.right


def run(w0, grads, rank, proj_type):
    """Applies len(grads) GaLore-AdamW steps to a copy of w0; proj_type None = plain AdamW."""
    w = w0.clone()
    state_step = 0
    projector = Projector(rank, proj_type) if proj_type else None
    exp_avg = exp_avg_sq = None
    trajectory, refreshes = [], []
    for grad in grads:
        r = grad
        if projector is not None:
            if projector.side is None or state_step % GAP == 0:
                projector.refresh(grad)
                refreshes.append(state_step + 1)
            r = projector.project(grad)
        if exp_avg is None:
            exp_avg = torch.zeros_like(r)
            exp_avg_sq = torch.zeros_like(r)
        state_step += 1
        exp_avg.mul_(BETAS[0]).add_(r, alpha=1.0 - BETAS[0])
        exp_avg_sq.mul_(BETAS[1]).addcmul_(r, r, value=1.0 - BETAS[1])
        denom = exp_avg_sq.sqrt().add_(EPS)
        step_size = LR * math.sqrt(1.0 - BETAS[1] ** state_step) / (1.0 - BETAS[0] ** state_step)
        norm = exp_avg / denom
        if projector is not None:
            norm = projector.project_back(norm) * SCALE
        w.add_(norm, alpha=-step_size)
        w.add_(w, alpha=-LR * WEIGHT_DECAY)  # decoupled decay after the update, as the authors
        trajectory.append(w.clone())
    return torch.stack(trajectory), refreshes


def well_conditioned(grads):
    for k in range(0, len(grads), GAP):
        s = torch.linalg.svdvals(grads[k])
        if s.numel() > 1 and ((s[:-1] - s[1:]) / s[0]).min().item() < MIN_SV_GAP:
            return False
    return True


def draw_gradients(generator, m, n):
    while True:
        grads = torch.randn(STEPS, m, n, generator=generator, dtype=torch.float32)
        if well_conditioned(grads):
            return grads


def write_safetensors(path, tensors, metadata):
    """The safetensors layout by hand: u64 header length, JSON header, raw little-endian data."""
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, tensor in tensors.items():
        data = tensor.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    temp = path + ".tmp"
    with open(temp, "wb") as out:
        out.write(struct.pack("<Q", len(header_bytes)))
        out.write(header_bytes)
        for blob in blobs:
            out.write(blob)
    os.replace(temp, path)


def main():
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(SEED)
    tensors, cases = {}, []
    for m, n, rank in SHAPES:
        w0 = torch.randn(m, n, generator=generator, dtype=torch.float32)
        grads = draw_gradients(generator, m, n)
        for proj_type in PROJ_TYPES + [None]:
            name = f"{m}x{n}_r{rank}_{proj_type or 'adamw'}"
            trajectory, refreshes = run(w0, grads, rank, proj_type)
            tensors[name + ".w0"] = w0
            tensors[name + ".grads"] = grads
            tensors[name + ".trajectory"] = trajectory
            cases.append({"name": name, "m": m, "n": n, "rank": rank if proj_type else 0,
                          "proj_type": proj_type or "", "refresh_steps": refreshes})
    settings = {"steps": STEPS, "update_proj_gap": GAP, "lr": LR, "beta1": BETAS[0],
                "beta2": BETAS[1], "eps": EPS, "scale": SCALE, "weight_decay": WEIGHT_DECAY,
                "seed": SEED, "torch": torch.__version__}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "galore_golden.safetensors")
    write_safetensors(path, tensors, {"cases": json.dumps(cases), "settings": json.dumps(settings)})
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
