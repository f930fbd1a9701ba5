"""Export a LLaMA model as an ONNX graph with a KV cache (for ONNX Runtime decode benchmarks).

    scripts/python.sh -m ost.export.synthetic OUT.onnx --kv-cache OUT.cache.onnx
    scripts/python.sh -m ost.export.llama2c stories260K.bin OUT.onnx --kv-cache OUT.cache.onnx
    scripts/python.sh -m ost.export.hf SRC OUT.onnx --kv-cache OUT.cache.onnx

(the exporters' --kv-cache writes it next to the plain graph, same weights).

The model is the same torch module as the plain export (ost.models.llama_torch,
same weights); only the graph differs:

    inputs   input_ids int64 [1, T]
             past_key_<i>, past_value_<i> float32 [1, Hkv, P, Dh] for every layer i
    outputs  logits float32 [1, T, vocab]
             present_key_<i>, present_value_<i> float32 [1, Hkv, P + T, Dh]

The position offset is P, the past length (the third dimension of the past
tensors): token t sits at position P + t, which selects its RoPE rows and the
causal-mask row, so there is no separate offset input that could disagree with
the cache. Keys are cached after RoPE, before the GQA repeat. Start with P = 0
(empty past tensors), feed the presents back as the next step's past.

Before writing, the exporter checks in torch that a prefill followed by
single-token steps reproduces the full-sequence logits (max relative
difference printed); bench/cpu-support/ort_check_cache.py checks the ONNX
graph the same way with ONNX Runtime.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
import warnings
from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ost.models.llama_torch import LlamaForCausalLM, repeat_kv, rotate_half


class CachedLlama(nn.Module):
    """input_ids [1, T], past k/v per layer -> logits [1, T, V], present k/v per layer."""

    def __init__(self, model: LlamaForCausalLM):
        super().__init__()
        self.model = model  # shares every parameter and table

    def forward(self, input_ids: torch.Tensor, *past: torch.Tensor):
        m = self.model
        b, t = input_ids.shape[0], input_ids.shape[1]
        p = past[0].shape[2]
        positions = torch.arange(t, dtype=torch.int64) + p
        cos = m.rope_cos.index_select(0, positions)
        sin = m.rope_sin.index_select(0, positions)
        mask = m.causal_mask.index_select(0, positions)[:, : p + t]
        x = m.embed_tokens(input_ids)
        presents: List[torch.Tensor] = []
        for i, layer in enumerate(m.layers):
            attn_out, k, v = _attention(layer.self_attn, layer.input_layernorm(x), cos, sin, mask,
                                        past[2 * i], past[2 * i + 1], b)
            presents += [k, v]
            h = x + attn_out
            x = h + layer.mlp(layer.post_attention_layernorm(h))
        return (m.lm_head(m.norm(x)), *presents)


def _attention(attn, x, cos, sin, mask, past_k, past_v, b):
    """The ost.models Attention with cached keys/values (same op order)."""
    H, KV, d = attn.n_heads, attn.n_kv_heads, attn.head_dim
    q = attn.q_proj(x).view(b, -1, H, d).transpose(1, 2)  # [B, H, T, d]
    k = attn.k_proj(x).view(b, -1, KV, d).transpose(1, 2)
    v = attn.v_proj(x).view(b, -1, KV, d).transpose(1, 2)
    q = q * cos + rotate_half(q, d // 2) * sin
    k = k * cos + rotate_half(k, d // 2) * sin
    k = torch.cat([past_k, k], dim=2)  # [B, KV, P + T, d]
    v = torch.cat([past_v, v], dim=2)
    kk, vv = (repeat_kv(k, attn.kv_index), repeat_kv(v, attn.kv_index)) if KV != H else (k, v)
    scores = torch.matmul(q, kk.transpose(2, 3)) / math.sqrt(d)
    probs = F.softmax(scores + mask, dim=-1)
    out = torch.matmul(probs, vv).transpose(1, 2).reshape(b, -1, H * d)
    return attn.o_proj(out), k, v


def empty_past(model: LlamaForCausalLM, length: int = 0) -> List[torch.Tensor]:
    cfg = model.config
    shape = (1, cfg.n_kv_heads, length, cfg.head_dim)
    return [torch.zeros(shape) for _ in range(2 * cfg.n_layers)]


def io_names(n_layers: int):
    past, present = [], []
    for i in range(n_layers):
        past += [f"past_key_{i}", f"past_value_{i}"]
        present += [f"present_key_{i}", f"present_value_{i}"]
    return ["input_ids"] + past, ["logits"] + present


def check_against_full(model: LlamaForCausalLM, tokens: Sequence[int], prefill: int) -> float:
    """Max |cached - full| / max |full| over the logits of `tokens`: a prefill of
    `prefill` tokens, then one token per step."""
    cached = CachedLlama(model).eval()
    ids = torch.tensor([list(tokens)], dtype=torch.int64)
    with torch.no_grad():
        full = model(ids)[0]
        out = cached(ids[:, :prefill], *empty_past(model))
        rows, past = [out[0][0]], list(out[1:])
        for t in range(prefill, ids.shape[1]):
            out = cached(ids[:, t:t + 1], *past)
            rows.append(out[0][0])
            past = list(out[1:])
        got = torch.cat(rows, dim=0)
    return float((got - full).abs().max() / full.abs().max())


def export_cached(model: LlamaForCausalLM, out_path: str, opset: int = 17, external_data: bool = False,
                  metadata: dict = None) -> None:
    """Writes the KV-cache graph of `model` to `out_path` (onnx.checker-checked)."""
    import onnx

    cfg = model.config
    model.eval()
    wrapper = CachedLlama(model).eval()
    # Trace with P, T > 1 so every length stays symbolic.
    ids = torch.arange(2, dtype=torch.int64).reshape(1, 2) % cfg.vocab_size
    past = [torch.randn(1, cfg.n_kv_heads, 3, cfg.head_dim) for _ in range(2 * cfg.n_layers)]
    inputs, outputs = io_names(cfg.n_layers)
    axes = {"input_ids": {1: "seq"}, "logits": {1: "seq"}}
    for name in inputs[1:]:
        axes[name] = {2: "past"}
    for name in outputs[1:]:
        axes[name] = {2: "total"}
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)

    def run_export(target):
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TracerWarnings about shape-dependent slices
            torch.onnx.export(wrapper, (ids, *past), target, input_names=inputs, output_names=outputs,
                              dynamic_axes=axes, opset_version=opset, do_constant_folding=True,
                              dynamo=False)  # the TorchScript exporter (see ost.export.torch_onnx)

    # Export to a file in a scratch folder (torch writes external data itself
    # for models over protobuf's 2 GiB limit), then save as one model.
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        tmp_path = os.path.join(tmp, "model.onnx")
        run_export(tmp_path)
        proto = onnx.load(tmp_path)
    proto.producer_name = "ost.export.kvcache"
    meta = {"ost.kv_cache": "past_key_<i>/past_value_<i> [1, Hkv, P, Dh] -> present_*; position offset = P",
            "ost.n_layers": cfg.n_layers, "ost.n_kv_heads": cfg.n_kv_heads, "ost.head_dim": cfg.head_dim,
            "ost.vocab_size": cfg.vocab_size, "ost.max_seq_len": cfg.max_seq_len}
    meta.update(metadata or {})
    from ost.export.torch_onnx import save_checked

    save_checked(proto, out_path, meta, external_data)


def export_model(model: LlamaForCausalLM, out_path: str, opset: int, external_data: bool, source: str) -> int:
    """Self-check in torch, export, print a summary. Returns the exit status."""
    cfg = model.config
    n = min(cfg.max_seq_len, 12)
    tokens = [(i * 7919 + 1) % cfg.vocab_size for i in range(n)]
    t0 = time.time()
    diff = check_against_full(model, tokens, prefill=min(5, n - 1))
    print(f"kv-cache check (torch, prefill {min(5, n - 1)} + {n - min(5, n - 1)} steps): "
          f"max_rel_logit_diff {diff:.3e}")
    if not diff <= 1e-4:
        print(f"error: the cached forward differs from the full forward ({diff:.3e})", file=sys.stderr)
        return 1
    export_cached(model, out_path, opset=opset, external_data=external_data, metadata={"ost.source": source})
    t1 = time.time()
    inputs, outputs = io_names(cfg.n_layers)
    print(f"wrote {out_path} (kv-cache graph, opset {opset}), onnx.checker: ok, {t1 - t0:.1f} s")
    print(f"inputs: input_ids[1,seq], {inputs[1]}..{inputs[-1]}[1,{cfg.n_kv_heads},past,{cfg.head_dim}]")
    print(f"outputs: logits[1,seq,{cfg.vocab_size}], {outputs[1]}..{outputs[-1]}[1,{cfg.n_kv_heads},total,"
          f"{cfg.head_dim}]")
    return 0
