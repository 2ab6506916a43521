#!/usr/bin/python3
"""Golden data for the Llama architecture (LlamaForCausalLM, Qwen2ForCausalLM), in the manner of
make_gpt2_golden.py: an independent reference written here in plain PyTorch after transformers'
modeling_llama.py / modeling_qwen2.py (RMSNorm with float32 statistics, rotary embeddings in the
"rotate half" pairing with Llama 3's "llama3" frequency scaling, SwiGLU, grouped-query attention,
Qwen2's q/k/v biases, an untied or tied head), small random weights, a fixed seed, and Hugging
Face's hub layout. Writes two fixtures:

  llama_tiny/  LlamaForCausalLM, 4 heads sharing 2 key/value heads, untied lm_head, llama3 rope
               scaling whose three bands (kept, blended, divided) all hold a frequency; the weights
               SHARDED as save_pretrained shards them (model-0000K-of-0000N.safetensors and
               model.safetensors.index.json).
  qwen2_tiny/  Qwen2ForCausalLM, biases on q/k/v, tied embeddings, sliding_window present with
               use_sliding_window false; one model.safetensors.

Each folder has config.json, the weights, and a byte tokenizer's tokenizer_config.json (what
core/text/byte_tokenizer.cpp loads: 257 ids, end of text 256), so load_checkpoint accepts it; the
models' vocabularies are a little larger than the tokenizer's, as real checkpoints' often are.

<name>_expected.safetensors holds: input_ids (2, 12) with row 1 padded (left for llama, right for
qwen2) by the end-of-text id, attention_mask, targets (-100 where the input or the target is
padding), logits at real positions (padding positions' logits are zero and not compared: they
depend on how a padding query is kept from attending to nothing), the mean cross-entropy loss
over real targets, inv_freq (the rotary frequencies after scaling), logits_no_rope_scaling for
llama (the same model with rope_scaling removed, so a test can show the scaling is exercised),
and grad.<hf name> for a few weights named in GRADIENTS.

Run with Debian's python (torch 1.13): /usr/bin/python3 tests/golden/make_llama_golden.py
No transformers and no safetensors package: golden_safetensors.py writes the format by hand.
"""
import json
import math
import os

import torch

from golden_safetensors import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH, SEQ, PAD = 2, 12, 3
EOS = 256  # the byte tokenizer's end of text, also the padding id

LLAMA = dict(
    architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=260, hidden_size=32,
    intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
    head_dim=8, max_position_embeddings=128, rms_norm_eps=1e-5,
    # theta 100 over head_dim 8: wavelengths 6.3, 19.9, 62.8 and 199 positions. With the original
    # context 64, low 1 and high 4 the first is kept, the next two blended, the last divided by 8.
    rope_theta=100.0,
    rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                      original_max_position_embeddings=64),
    attention_bias=False, attention_dropout=0.0, mlp_bias=False, hidden_act="silu",
    initializer_range=0.02, pretraining_tp=1, tie_word_embeddings=False, use_cache=True,
    bos_token_id=EOS, eos_token_id=EOS, torch_dtype="float32")

QWEN2 = dict(
    architectures=["Qwen2ForCausalLM"], model_type="qwen2", vocab_size=272, hidden_size=32,
    intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
    max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0, rope_scaling=None,
    sliding_window=64, use_sliding_window=False, max_window_layers=2, attention_dropout=0.0,
    hidden_act="silu", initializer_range=0.02, tie_word_embeddings=True, use_cache=True,
    bos_token_id=EOS, eos_token_id=EOS, torch_dtype="float32")

# Gradients stored: the embedding, a k_proj (whose heads are shared), a bias, the MLP and norms.
GRADIENTS = ["model.embed_tokens.weight", "model.layers.0.self_attn.k_proj.weight",
             "model.layers.1.self_attn.q_proj.weight", "model.layers.0.self_attn.v_proj.weight",
             "model.layers.1.self_attn.o_proj.weight", "model.layers.0.mlp.gate_proj.weight",
             "model.layers.1.mlp.down_proj.weight", "model.layers.0.input_layernorm.weight",
             "model.layers.1.post_attention_layernorm.weight", "model.norm.weight"]


def write_sharded(folder, tensors, max_bytes):
    """As save_pretrained: tensors in state-dict order fill a shard until the next would pass
    max_bytes; model-0000K-of-0000N.safetensors plus an index with total_size and weight_map."""
    shards, size = [[]], 0
    for name, t in tensors.items():
        n = t.numel() * t.element_size()
        if shards[-1] and size + n > max_bytes:
            shards.append([])
            size = 0
        shards[-1].append(name)
        size += n
    weight_map, total = {}, 0
    for k, names in enumerate(shards):
        file = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(folder, file), {n: tensors[n] for n in names},
                          {"format": "pt"})
        for n in names:
            weight_map[n] = file
            total += tensors[n].numel() * tensors[n].element_size()
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2,
                  sort_keys=True)
        f.write("\n")
    return len(shards)


def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def inverse_frequencies(cfg):
    """transformers' _compute_default_rope_parameters and _compute_llama3_parameters."""
    d = head_dim(cfg)
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv_freq
    factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old_context = rs["original_max_position_embeddings"]
    low_freq_wavelen, high_freq_wavelen = old_context / low, old_context / high
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_context / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * inv_freq_llama / factor + smooth * inv_freq_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, inv_freq_llama)


def rms_norm(x, w, eps):
    xf = x.float()
    return w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def linear(x, params, name):
    y = x @ params[name + ".weight"].t()
    return y + params[name + ".bias"] if name + ".bias" in params else y


def make_params(cfg, g):
    c, i, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    q, kv = cfg["num_attention_heads"] * head_dim(cfg), cfg["num_key_value_heads"] * head_dim(cfg)
    qkv_bias = cfg["model_type"] == "qwen2"

    def rnd(*shape, std):
        return (torch.randn(*shape, generator=g) * std).requires_grad_()

    def scale(n):  # norm weights near 1, not 1, so a missing norm weight shows
        return (1.0 + torch.randn(n, generator=g) * 0.1).requires_grad_()

    # Much larger than the 0.02 of initializer_range, so logits and gradients are far from trivial.
    params = {"model.embed_tokens.weight": rnd(v, c, std=0.3)}
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        params[p + "input_layernorm.weight"] = scale(c)
        for name, out in (("q_proj", q), ("k_proj", kv), ("v_proj", kv)):
            params[p + f"self_attn.{name}.weight"] = rnd(out, c, std=0.3)
            if qkv_bias:
                params[p + f"self_attn.{name}.bias"] = rnd(out, std=0.2)
        params[p + "self_attn.o_proj.weight"] = rnd(c, q, std=0.2)
        params[p + "post_attention_layernorm.weight"] = scale(c)
        params[p + "mlp.gate_proj.weight"] = rnd(i, c, std=0.3)
        params[p + "mlp.up_proj.weight"] = rnd(i, c, std=0.3)
        params[p + "mlp.down_proj.weight"] = rnd(c, i, std=0.2)
    params["model.norm.weight"] = scale(c)
    if not cfg["tie_word_embeddings"]:
        params["lm_head.weight"] = rnd(v, c, std=0.3)
    return params


def forward(cfg, params, idx, mask):
    """idx, mask (B, T) -> logits (B, T, V). Positions count real tokens only (HF's position_ids
    from the attention mask); a query sees earlier real keys, a padding query only itself."""
    b, t = idx.shape
    nh, nkv, hs = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    pos = (mask.cumsum(-1) - 1).clamp(min=0)  # (B, T)
    freqs = pos.float().unsqueeze(-1) * inverse_frequencies(cfg)  # (B, T, hs/2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (B, T, hs)
    cos, sin = emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)  # (B, 1, T, hs)
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    allowed = causal & mask.bool().view(b, 1, 1, t)
    allowed = allowed | torch.eye(t, dtype=torch.bool)  # (B, 1, T, T)
    x = params["model.embed_tokens.weight"][idx]  # (B, T, C)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms_norm(x, params[p + "input_layernorm.weight"], eps)
        q = linear(h, params, p + "self_attn.q_proj").view(b, t, nh, hs).transpose(1, 2)
        k = linear(h, params, p + "self_attn.k_proj").view(b, t, nkv, hs).transpose(1, 2)
        v = linear(h, params, p + "self_attn.v_proj").view(b, t, nkv, hs).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=1)  # (B, nh, T, hs): head j reads kv head j // rep
        v = v.repeat_interleave(nh // nkv, dim=1)
        w = (q @ k.transpose(-1, -2)) / math.sqrt(hs)  # (B, nh, T, T)
        w = w.masked_fill(~allowed, torch.finfo(w.dtype).min)
        y = (torch.softmax(w, dim=-1) @ v).transpose(1, 2).reshape(b, t, nh * hs)
        x = x + linear(y, params, p + "self_attn.o_proj")
        h = rms_norm(x, params[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, params, p + "mlp.gate_proj")
        x = x + linear(torch.nn.functional.silu(gate) * linear(h, params, p + "mlp.up_proj"),
                       params, p + "mlp.down_proj")
    x = rms_norm(x, params["model.norm.weight"], eps)
    head = params.get("lm_head.weight", params["model.embed_tokens.weight"])
    return x @ head.t()  # (B, T, V)


def make_inputs(g, left):
    """Row 0 all real; row 1 padded by PAD end-of-text ids on the left or the right."""
    tokens = torch.randint(0, 256, (BATCH, SEQ + 1), generator=g)
    mask = torch.ones(BATCH, SEQ + 1, dtype=torch.int64)
    if left:
        mask[1, :PAD] = 0
    else:
        mask[1, SEQ + 1 - PAD:] = 0
    tokens = tokens.masked_fill(mask == 0, EOS)
    idx, targets = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()
    real_input, real_target = mask[:, :-1], mask[:, 1:]
    targets = targets.masked_fill((real_input * real_target) == 0, -100)
    return idx, real_input.contiguous(), targets


def write_fixture(name, cfg, seed, left_pad, shard_bytes):
    g = torch.Generator().manual_seed(seed)
    params = make_params(cfg, g)
    idx, mask, targets = make_inputs(g, left_pad)
    logits = forward(cfg, params, idx, mask)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, cfg["vocab_size"]),
                                             targets.reshape(-1), ignore_index=-100)
    loss.backward()

    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "byte", "vocab_size": 257, "eos_id": EOS,
                   "eos_token": "<|endoftext|>"}, f, indent=2)
        f.write("\n")
    weights = {k: v.detach() for k, v in params.items()}
    if shard_bytes:
        shards = write_sharded(folder, weights, shard_bytes)
    else:
        shards = 1
        write_safetensors(os.path.join(folder, "model.safetensors"), weights, {"format": "pt"})

    real = mask.bool().unsqueeze(-1)
    expected = {"input_ids": idx, "attention_mask": mask, "targets": targets,
                "logits": logits.detach().masked_fill(~real, 0.0),
                "loss": loss.detach().reshape(()), "inv_freq": inverse_frequencies(cfg)}
    grads = GRADIENTS + (["lm_head.weight"] if "lm_head.weight" in params else [])
    grads += [k for k in params if k.endswith("layers.0.self_attn.k_proj.bias")]
    for k in grads:
        expected["grad." + k] = params[k].grad
    if cfg.get("rope_scaling"):
        plain = dict(cfg, rope_scaling=None)
        with torch.no_grad():
            other = forward(plain, params, idx, mask).masked_fill(~real, 0.0)
        expected["logits_no_rope_scaling"] = other
        moved = (other - logits.detach()).abs().max().item()
        print(f"{name}: rope scaling moves the logits by up to {moved:.4f}")
    write_safetensors(os.path.join(HERE, name + "_expected.safetensors"), expected)
    count = sum(p.numel() for p in params.values())
    print(f"{name}: loss {loss.item():.6f}; {count} parameters; {shards} weight file(s)")


def main():
    torch.set_default_dtype(torch.float32)
    # ~40 KB shards: the llama fixture's 140 KB of weights become four files.
    write_fixture("llama_tiny", LLAMA, seed=2024, left_pad=True, shard_bytes=40_000)
    write_fixture("qwen2_tiny", QWEN2, seed=4096, left_pad=False, shard_bytes=0)


if __name__ == "__main__":
    main()
