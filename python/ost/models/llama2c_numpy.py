"""An independent numpy forward of a llama2.c checkpoint (no torch).

Written from llama2.c's run.c semantics, not from llama_torch.py: the raw
checkpoint arrays are used as stored, RoPE rotates the *interleaved* pairs
(2i, 2i+1) of every head with the checkpoint's freq_cis tables, KV head of query
head h is h // (n_heads / n_kv_heads), RMSNorm is x / sqrt(mean(x^2) + 1e-5) * w.
It computes in float64 so that it is a reference for the float32 torch model.
The tests use it to prove that the q/k row permutation is right.
"""

from __future__ import annotations

import math
from typing import List, Sequence

import numpy as np


def _rmsnorm(x: np.ndarray, w: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def _rope_interleaved(x: np.ndarray, n_heads: int, head_size: int, fr: np.ndarray, fi: np.ndarray) -> np.ndarray:
    """x [T, n_heads*head_size]; rotates (x[2i], x[2i+1]) of each head by the angle of pair i."""
    T = x.shape[0]
    v = x.reshape(T, n_heads, head_size // 2, 2)
    a, b = v[..., 0], v[..., 1]
    c, s = fr[:T, None, :], fi[:T, None, :]
    out = np.empty_like(v)
    out[..., 0] = a * c - b * s
    out[..., 1] = a * s + b * c
    return out.reshape(T, n_heads * head_size)


def forward(ckpt, tokens: Sequence[int], dtype=np.float64) -> np.ndarray:
    """Logits [T, vocab] for one token sequence (T <= seq_len), positions 0..T-1."""
    cfg = ckpt.config
    g = lambda name: ckpt.tensors[name].astype(dtype)
    T = len(tokens)
    if T > cfg.seq_len:
        raise ValueError(f"sequence of {T} tokens is longer than the context {cfg.seq_len}")
    hs, H, KV = cfg.head_size, cfg.n_heads, cfg.n_kv_heads
    kv_mul = H // KV
    fr, fi = g("freq_cis_real"), g("freq_cis_imag")
    x = g("token_embedding")[np.asarray(tokens)]
    causal = np.triu(np.ones((T, T), dtype=bool), 1)
    wq, wk, wv, wo = g("wq"), g("wk"), g("wv"), g("wo")
    w1, w2, w3 = g("w1"), g("w2"), g("w3")
    ra, rf = g("rms_att"), g("rms_ffn")
    for l in range(cfg.n_layers):
        xb = _rmsnorm(x, ra[l])
        q = _rope_interleaved(xb @ wq[l].T, H, hs, fr, fi)
        k = _rope_interleaved(xb @ wk[l].T, KV, hs, fr, fi)
        v = xb @ wv[l].T
        att_out = np.empty((T, H * hs), dtype=dtype)
        for h in range(H):
            kh = (h // kv_mul) * hs
            qh = q[:, h * hs:(h + 1) * hs]
            sc = qh @ k[:, kh:kh + hs].T / math.sqrt(hs)
            sc[causal] = -np.inf
            sc = np.exp(sc - sc.max(axis=1, keepdims=True))
            sc /= sc.sum(axis=1, keepdims=True)
            att_out[:, h * hs:(h + 1) * hs] = sc @ v[:, kh:kh + hs]
        x = x + att_out @ wo[l].T
        xb = _rmsnorm(x, rf[l])
        a = xb @ w1[l].T
        hb = a / (1.0 + np.exp(-a)) * (xb @ w3[l].T)
        x = x + hb @ w2[l].T
    x = _rmsnorm(x, g("rms_final"))
    head = ckpt.classifier.astype(dtype)
    return x @ head.T


def log_softmax(logits: np.ndarray) -> np.ndarray:
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def stream_nll(ckpt, tokens: List[int], window: int = 512) -> np.ndarray:
    """NLL of every predicted token of one stream cut into windows of `window` predictions.

    Window w feeds tokens[w*window : w*window + window] and predicts the next token
    at each position (the protocol of shared/data/PROVENANCE.md).
    """
    nll = []
    for start in range(0, len(tokens) - 1, window):
        inp = tokens[start:start + window]
        tgt = tokens[start + 1:start + window + 1]
        inp = inp[:len(tgt)]
        lp = log_softmax(forward(ckpt, inp))
        nll.append(-lp[np.arange(len(tgt)), np.asarray(tgt)])
    return np.concatenate(nll) if nll else np.zeros(0)
