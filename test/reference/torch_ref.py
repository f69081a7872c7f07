#!/usr/bin/python3
"""Independent float64 reference for the training engine: forward, loss and LoRA gradients.

Written from scratch in PyTorch (Debian's python3-torch; no transformers, no safetensors package)
to follow Hugging Face semantics exactly for LlamaForCausalLM, MistralForCausalLM,
Qwen2ForCausalLM and Qwen3ForCausalLM:
  RMSNorm (x * rsqrt(mean(x^2) + eps) * w), rotate_half RoPE with HF's inverse frequencies
  (including `_compute_llama3_parameters`), GQA by repeat_kv, Qwen2 q/k/v biases, Qwen3 per-head
  q_norm/k_norm before RoPE, causal softmax(QK^T / sqrt(head_dim)), SwiGLU MLP, tied embeddings,
  and PEFT LoRA: y = W x + b + s * B(A x), s = alpha/r or alpha/sqrt(r) (use_rslora); no dropout.
Loss: HF's shifted cross-entropy (logits[:, :-1] vs labels[:, 1:], ignore -100), summed and
divided by the trained-token count (or by "num_items" when given, as with gradient accumulation).
Packed rows: attention is causal within segments only; segments come from "segment_ids" or, when
absent, from "position_ids" (a new segment wherever a position is not the previous one + 1).

Usage: torch_ref.py MODEL_DIR [ADAPTER_DIR] < batch.json > result.json
(stdin may also be a JSON array of batches: the model is loaded once, an array of results comes back)
batch: {"input_ids": [[...]], "labels": [[...]] (default: input_ids), "position_ids"?: [[...]],
        "segment_ids"?: [[...]], "attention_mask"?: [[...]] (0 = padding key),
        "num_items"?: N, "lora_init"?: {"config": {adapter_config fields},
        "tensors": {key: {"shape": [...], "data": [...]}}}, "return_hidden"?: bool,
        "return_logits"?: bool, "return_token_losses"?: bool, "return_rope"?: bool}
result: {"loss", "tokens", "loss_sum", "grads": {key: {"shape", "data"}},
         "hidden_states"?: [L+1][B][T][C] (embeddings, then each layer; the last after the final
         norm, as HF), "logits"?: [B][T][V], "token_losses"?: [B][T-1], "rope_inv_freq"?: [HS/2]}
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.utils.checkpoint

torch.set_default_dtype(torch.float64)
DT = torch.float64
LORA_PREFIX = "base_model.model."
TARGETS = {
    "q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn", "o_proj": "self_attn",
    "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp",
}


def fail(msg):
    sys.stderr.write(f"torch_ref: {msg}\n")
    sys.exit(2)


# ---------------------------------------------------------------------------------------------
# safetensors, parsed by hand: [u64 LE N][JSON header][data]

def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = raw[base + b: base + e]
        dtype = info["dtype"]
        if dtype == "F32":
            arr = np.frombuffer(buf, dtype="<f4").astype(np.float64)
        elif dtype == "F16":
            arr = np.frombuffer(buf, dtype="<f2").astype(np.float64)
        elif dtype == "BF16":
            arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        elif dtype == "F64":
            arr = np.frombuffer(buf, dtype="<f8").copy()
        else:
            continue  # integer buffers are never weights
        out[name] = torch.from_numpy(arr.reshape(info["shape"]))
    return out


def load_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    w = {}
    for f in files:
        w.update(read_safetensors(os.path.join(model_dir, f)))
    return w


# ---------------------------------------------------------------------------------------------
# config

FAMILIES = {"LlamaForCausalLM": "llama", "MistralForCausalLM": "mistral",
            "Qwen2ForCausalLM": "qwen2", "Qwen3ForCausalLM": "qwen3"}


def load_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    arch = (c.get("architectures") or [None])[0]
    if arch not in FAMILIES:
        fail(f"unsupported architecture {arch}")
    fam = FAMILIES[arch]
    heads = c["num_attention_heads"]
    cfg = {
        "family": fam,
        "hidden": c["hidden_size"],
        "layers": c["num_hidden_layers"],
        "heads": heads,
        "kv_heads": c.get("num_key_value_heads") or heads,
        "head_dim": c.get("head_dim") or c["hidden_size"] // heads,
        "eps": c.get("rms_norm_eps", 1e-6),
        "theta": c.get("rope_theta", 10000.0),
        "rope_scaling": c.get("rope_scaling"),
        "tie": c.get("tie_word_embeddings", False),
        "qk_norm": fam == "qwen3",
        "sliding_window": None,
    }
    sw = c.get("sliding_window")
    if sw and (fam == "mistral" or (fam in ("qwen2", "qwen3") and c.get("use_sliding_window"))):
        cfg["sliding_window"] = sw
    return cfg


def rope_inv_freq(cfg):
    dim = cfg["head_dim"]
    inv_freq = 1.0 / (cfg["theta"] ** (torch.arange(0, dim, 2, dtype=torch.int64).to(DT) / dim))
    rs = cfg["rope_scaling"]
    if not rs:
        return inv_freq
    rtype = rs.get("rope_type", rs.get("type"))
    if rtype in (None, "default"):
        return inv_freq
    if rtype == "linear":
        return inv_freq / rs["factor"]
    if rtype != "llama3":
        fail(f"rope type {rtype} not implemented")
    # transformers.modeling_rope_utils._compute_llama3_parameters
    factor = rs["factor"]
    low_freq_factor = rs["low_freq_factor"]
    high_freq_factor = rs["high_freq_factor"]
    old_context_len = rs["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


# ---------------------------------------------------------------------------------------------
# LoRA

def load_lora(adapter_dir, lora_init):
    if adapter_dir:
        with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
            acfg = json.load(f)
        tensors = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    elif lora_init:
        acfg = lora_init["config"]
        tensors = {k: torch.tensor(v["data"], dtype=DT).reshape(v["shape"]) for k, v in lora_init["tensors"].items()}
    else:
        return None, {}
    r = acfg["r"]
    alpha = acfg["lora_alpha"]
    scaling = alpha / math.sqrt(r) if acfg.get("use_rslora") else alpha / r
    params = {}
    for k, t in tensors.items():
        # PEFT saves keys without the adapter name; accept ".default." too.
        params[k.replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.")] = t.clone().requires_grad_(True)
    return scaling, params


# ---------------------------------------------------------------------------------------------
# forward

def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def segments_of(batch, B, T):
    if batch.get("segment_ids") is not None:
        return torch.tensor(batch["segment_ids"], dtype=torch.int64)
    pos = batch["position_ids"]
    seg = torch.zeros(B, T, dtype=torch.int64)
    for b in range(B):
        s = 0
        for t in range(1, T):
            if pos[b][t] != pos[b][t - 1] + 1:
                s += 1
            seg[b, t] = s
    return seg


def forward(cfg, W, lora, scaling, batch):
    ids = torch.tensor(batch["input_ids"], dtype=torch.int64)
    B, T = ids.shape
    if batch.get("position_ids") is not None:
        pos = torch.tensor(batch["position_ids"], dtype=torch.int64)
    else:
        pos = torch.arange(T).unsqueeze(0).expand(B, T)
    seg = segments_of(batch, B, T) if (batch.get("position_ids") is not None or batch.get("segment_ids") is not None) else torch.zeros(B, T, dtype=torch.int64)

    # mask (B, 1, T, T): causal, same segment, optional sliding window, optional key padding
    i = torch.arange(T).view(T, 1)
    j = torch.arange(T).view(1, T)
    allowed = (j <= i).unsqueeze(0) & (seg.unsqueeze(2) == seg.unsqueeze(1))
    if cfg["sliding_window"]:
        allowed = allowed & ((i - j) < cfg["sliding_window"]).unsqueeze(0)
    if batch.get("attention_mask") is not None:
        am = torch.tensor(batch["attention_mask"], dtype=torch.bool)
        allowed = allowed & am.unsqueeze(1)
    allowed = allowed.unsqueeze(1)

    inv_freq = rope_inv_freq(cfg)
    freqs = pos.to(DT).unsqueeze(-1) * inv_freq  # (B, T, HS/2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)  # (B, 1, T, HS)

    NH, KVH, HS = cfg["heads"], cfg["kv_heads"], cfg["head_dim"]

    def linear(x, layer, module, name):
        p = f"model.layers.{layer}.{module}.{name}"
        y = x @ W[p + ".weight"].T
        if (p + ".bias") in W:
            y = y + W[p + ".bias"]
        ka = f"{LORA_PREFIX}{p}.lora_A.weight"
        if ka in lora:
            kb = f"{LORA_PREFIX}{p}.lora_B.weight"
            y = y + scaling * ((x @ lora[ka].T) @ lora[kb].T)
        return y

    x = W["model.embed_tokens.weight"][ids]
    hidden = [x]
    for l in range(cfg["layers"]):
        p = f"model.layers.{l}"
        h = rms_norm(x, W[p + ".input_layernorm.weight"], cfg["eps"])
        q = linear(h, l, "self_attn", "q_proj").view(B, T, NH, HS)
        k = linear(h, l, "self_attn", "k_proj").view(B, T, KVH, HS)
        v = linear(h, l, "self_attn", "v_proj").view(B, T, KVH, HS)
        if cfg["qk_norm"]:
            q = rms_norm(q, W[p + ".self_attn.q_norm.weight"], cfg["eps"])
            k = rms_norm(k, W[p + ".self_attn.k_norm.weight"], cfg["eps"])
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # (B, heads, T, HS)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = NH // KVH
        k = k.repeat_interleave(rep, dim=1)  # repeat_kv: head h uses kv head h // rep
        v = v.repeat_interleave(rep, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(HS)
        scores = scores.masked_fill(~allowed, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        probs = torch.nan_to_num(probs, nan=0.0)  # rows with no allowed key (padding queries)
        a = (probs @ v).transpose(1, 2).reshape(B, T, NH * HS)
        x = x + linear(a, l, "self_attn", "o_proj")
        h = rms_norm(x, W[p + ".post_attention_layernorm.weight"], cfg["eps"])
        g = linear(h, l, "mlp", "gate_proj")
        u = linear(h, l, "mlp", "up_proj")
        x = x + linear(torch.nn.functional.silu(g) * u, l, "mlp", "down_proj")
        hidden.append(x)
    x = rms_norm(x, W["model.norm.weight"], cfg["eps"])
    hidden[-1] = x  # HF: the last hidden state is after the final norm
    head = W["model.embed_tokens.weight"] if cfg["tie"] or "lm_head.weight" not in W else W["lm_head.weight"]
    return x, head, hidden


def chunk_loss_sum(x, head, labels):
    return torch.nn.functional.cross_entropy(x @ head.T, labels, reduction="sum")


def run_one(cfg, W, adapter_dir, batch):
    scaling, lora = load_lora(adapter_dir, batch.get("lora_init"))
    x, head, hidden = forward(cfg, W, lora, scaling, batch)
    labels = torch.tensor(batch.get("labels") or batch["input_ids"], dtype=torch.int64)
    # HF shift: the hidden state at t predicts labels[t + 1].
    shift_x = x[:, :-1, :]
    shift_labels = labels[:, 1:]
    trained = shift_labels != -100
    tokens = int(trained.sum())
    # Only trained rows, in chunks recomputed in backward: [T, V] logits never live all at once.
    rows, targets = shift_x[trained], shift_labels[trained]
    loss_sum = x.new_zeros(())
    for c in range(0, tokens, 64):
        loss_sum = loss_sum + torch.utils.checkpoint.checkpoint(
            chunk_loss_sum, rows[c:c + 64], head, targets[c:c + 64], use_reentrant=False)
    denom = batch.get("num_items") or tokens
    loss = loss_sum / max(denom, 1)

    grads = {}
    if lora:
        names = sorted(lora)
        if loss.requires_grad:
            gs = torch.autograd.grad(loss, [lora[n] for n in names], allow_unused=True)
        else:  # no trained token: every gradient is zero
            gs = [None] * len(names)
        for n, g in zip(names, gs):
            if g is None:
                g = torch.zeros_like(lora[n])
            grads[n] = {"shape": list(g.shape), "data": g.reshape(-1).tolist()}

    out = {"loss": float(loss), "tokens": tokens, "loss_sum": float(loss_sum), "grads": grads}
    if batch.get("return_rope"):
        out["rope_inv_freq"] = rope_inv_freq(cfg).tolist()
    if batch.get("return_hidden"):
        out["hidden_states"] = [h.detach().tolist() for h in hidden]
    if batch.get("return_logits") or batch.get("return_token_losses"):
        with torch.no_grad():
            logits = x @ head.T
            if batch.get("return_logits"):
                out["logits"] = logits.tolist()
            if batch.get("return_token_losses"):
                V = logits.shape[-1]
                per_token = torch.nn.functional.cross_entropy(
                    logits[:, :-1].reshape(-1, V), shift_labels.reshape(-1), ignore_index=-100, reduction="none"
                ).view(shift_labels.shape)
                out["token_losses"] = per_token.tolist()
    return out


def main():
    if len(sys.argv) < 2:
        fail("usage: torch_ref.py MODEL_DIR [ADAPTER_DIR] < batch.json")
    model_dir = sys.argv[1]
    adapter_dir = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] not in ("", "-") else None
    batch = json.load(sys.stdin)
    cfg = load_config(model_dir)
    W = load_weights(model_dir)
    if isinstance(batch, list):  # several batches, one model load
        json.dump([run_one(cfg, W, adapter_dir, b) for b in batch], sys.stdout)
    else:
        json.dump(run_one(cfg, W, adapter_dir, batch), sys.stdout)


if __name__ == "__main__":
    main()
