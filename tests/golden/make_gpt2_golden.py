#!/usr/bin/python3
"""Golden data for the GPT-2 engine, in the manner of llm.c's test_gpt2: an independent reference
GPT-2 written here in plain PyTorch, in Hugging Face's layout (Conv1D weights stored (in, out),
unprefixed keys and attn.bias buffers like the original openai-community/gpt2 checkpoint), a fixed
seed and a tiny config. Writes gpt2_tiny/{config.json,model.safetensors} and
gpt2_tiny_expected.safetensors (input ids, targets, logits, loss, and the gradient of the loss with
respect to every parameter, named "grad.<key>" in the checkpoint's layout).

Run with Debian's python (torch 1.13): /usr/bin/python3 tests/golden/make_gpt2_golden.py
No transformers and no safetensors package: golden_safetensors.py writes the format by hand.
"""
import json
import math
import os

import torch

from golden_safetensors import write_safetensors

CONFIG = dict(vocab_size=64, n_positions=16, n_embd=24, n_layer=2, n_head=4,
              layer_norm_epsilon=1e-5)
BATCH, SEQ = 2, 12
SEED = 1234
HERE = os.path.dirname(os.path.abspath(__file__))


def gelu_new(x):
    # GPT-2's tanh approximation of GELU.
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))
    return 0.5 * x * (1.0 + torch.tanh(inner))


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def conv1d(x, w, b):
    # HF Conv1D: weight (in, out), y = x W + b
    return x @ w + b


def make_params(g):
    c, v, p = CONFIG["n_embd"], CONFIG["vocab_size"], CONFIG["n_positions"]

    def rnd(*shape, std):
        return (torch.randn(*shape, generator=g) * std).requires_grad_()

    # Larger than GPT-2's 0.02 so logits and gradients are far from trivial and a bug shows.
    params = {"wte.weight": rnd(v, c, std=0.3), "wpe.weight": rnd(p, c, std=0.1)}
    for i in range(CONFIG["n_layer"]):
        h = f"h.{i}."
        params[h + "ln_1.weight"] = (1.0 + torch.randn(c, generator=g) * 0.1).requires_grad_()
        params[h + "ln_1.bias"] = rnd(c, std=0.05)
        params[h + "attn.c_attn.weight"] = rnd(c, 3 * c, std=0.2)
        params[h + "attn.c_attn.bias"] = rnd(3 * c, std=0.05)
        params[h + "attn.c_proj.weight"] = rnd(c, c, std=0.2)
        params[h + "attn.c_proj.bias"] = rnd(c, std=0.05)
        params[h + "ln_2.weight"] = (1.0 + torch.randn(c, generator=g) * 0.1).requires_grad_()
        params[h + "ln_2.bias"] = rnd(c, std=0.05)
        params[h + "mlp.c_fc.weight"] = rnd(c, 4 * c, std=0.2)
        params[h + "mlp.c_fc.bias"] = rnd(4 * c, std=0.05)
        params[h + "mlp.c_proj.weight"] = rnd(4 * c, c, std=0.1)
        params[h + "mlp.c_proj.bias"] = rnd(c, std=0.05)
    params["ln_f.weight"] = (1.0 + torch.randn(c, generator=g) * 0.1).requires_grad_()
    params["ln_f.bias"] = rnd(c, std=0.05)
    return params


def forward(params, idx):
    c, nh, eps = CONFIG["n_embd"], CONFIG["n_head"], CONFIG["layer_norm_epsilon"]
    b, t = idx.shape
    hs = c // nh
    x = params["wte.weight"][idx] + params["wpe.weight"][torch.arange(t)]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(CONFIG["n_layer"]):
        h = f"h.{i}."
        a = layer_norm(x, params[h + "ln_1.weight"], params[h + "ln_1.bias"], eps)
        qkv = conv1d(a, params[h + "attn.c_attn.weight"], params[h + "attn.c_attn.bias"])
        q, k, v = qkv.split(c, dim=2)
        q, k, v = [z.view(b, t, nh, hs).permute(0, 2, 1, 3) for z in (q, k, v)]
        w = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min))
        y = torch.softmax(w, dim=-1) @ v
        y = y.permute(0, 2, 1, 3).reshape(b, t, c)
        x = x + conv1d(y, params[h + "attn.c_proj.weight"], params[h + "attn.c_proj.bias"])
        m = layer_norm(x, params[h + "ln_2.weight"], params[h + "ln_2.bias"], eps)
        m = gelu_new(conv1d(m, params[h + "mlp.c_fc.weight"], params[h + "mlp.c_fc.bias"]))
        x = x + conv1d(m, params[h + "mlp.c_proj.weight"], params[h + "mlp.c_proj.bias"])
    x = layer_norm(x, params["ln_f.weight"], params["ln_f.bias"], eps)
    return x @ params["wte.weight"].t()  # tied unembedding


def main():
    torch.set_default_dtype(torch.float32)
    g = torch.Generator().manual_seed(SEED)
    params = make_params(g)
    tokens = torch.randint(0, CONFIG["vocab_size"], (BATCH, SEQ + 1), generator=g)
    idx, targets = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()
    logits = forward(params, idx)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, CONFIG["vocab_size"]),
                                             targets.reshape(-1))
    loss.backward()

    folder = os.path.join(HERE, "gpt2_tiny")
    os.makedirs(folder, exist_ok=True)
    config = dict(CONFIG, model_type="gpt2", architectures=["GPT2LMHeadModel"],
                  activation_function="gelu_new", n_ctx=CONFIG["n_positions"], resid_pdrop=0.0,
                  embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=CONFIG["vocab_size"] - 1,
                  eos_token_id=CONFIG["vocab_size"] - 1)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    weights = {k: v.detach() for k, v in params.items()}
    n = CONFIG["n_positions"]
    for i in range(CONFIG["n_layer"]):  # the causal-mask buffer old HF checkpoints carry
        weights[f"h.{i}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
    write_safetensors(os.path.join(folder, "model.safetensors"), weights, {"format": "pt"})

    expected = {"input_ids": idx, "targets": targets, "logits": logits.detach(),
                "loss": loss.detach().reshape(())}
    for k, v in params.items():
        expected["grad." + k] = v.grad
    write_safetensors(os.path.join(HERE, "gpt2_tiny_expected.safetensors"), expected)
    print(f"loss {loss.item():.6f}; parameters {sum(p.numel() for p in params.values())}")


if __name__ == "__main__":
    main()
