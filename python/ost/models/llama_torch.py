"""A HuggingFace-LLaMA-equivalent torch model, built from llama2.c weights or synthesised.

Structure (per decoder layer, HF naming):
    h = x + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1)))   n1 = input_layernorm(x)
    y = h + down_proj(silu(gate_proj(n2)) * up_proj(n2))                  n2 = post_attention_layernorm(h)
then a final RMSNorm and the head (lm_head, optionally tied to the embedding).

RoPE is HF's "rotate half": q' = q*cos + rotate_half(q)*sin with
cos = [cos(pos*f_0..f_{d/2-1}), same again] over the head dim.  llama2.c rotates
interleaved pairs (2i, 2i+1) instead; from_llama2c permutes the rows of wq and wk
inside every head so that the two are numerically identical (see
interleaved_to_half_rows).  Grouped-query attention: query head j uses KV head
j // (n_heads / n_kv_heads) (consecutive groups, as llama2.c and HF repeat_kv).

Only the full-sequence forward is implemented (no KV cache): this is what the
ONNX export and the perplexity reference need.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LlamaConfig:
    dim: int = 64
    hidden_dim: int = 172
    n_layers: int = 2
    n_heads: int = 8
    n_kv_heads: int = 4
    vocab_size: int = 512
    max_seq_len: int = 256
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_embeddings: bool = True

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads

    def validate(self) -> None:
        if min(self.dim, self.hidden_dim, self.n_layers, self.n_heads, self.n_kv_heads,
               self.vocab_size, self.max_seq_len) <= 0:
            raise ValueError(f"LlamaConfig: every size must be positive: {self}")
        if self.dim % self.n_heads:
            raise ValueError(f"LlamaConfig: dim {self.dim} is not divisible by n_heads {self.n_heads}")
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"LlamaConfig: n_heads {self.n_heads} is not a multiple of n_kv_heads {self.n_kv_heads}")
        if self.head_dim % 2:
            raise ValueError(f"LlamaConfig: head dim {self.head_dim} must be even for RoPE")


# --------------------------------------------------------------------------- modules
class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        var = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(var + self.eps) * self.weight


def rotate_half(x: torch.Tensor, half: int) -> torch.Tensor:
    """[x1, x2] -> [-x2, x1] over the last dim (half = head_dim / 2, a Python int so
    that the ONNX export slices with constants)."""
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def repeat_kv(x: torch.Tensor, kv_index: torch.Tensor) -> torch.Tensor:
    """[B, h_kv, T, d] -> [B, h_q, T, d]; query head j reads KV head kv_index[j] = j // (h_q / h_kv).

    Same as HF's expand+reshape repeat_kv, written as one gather along the head
    axis (one ONNX Gather with a constant index instead of a dynamic Expand).
    """
    return torch.index_select(x, 1, kv_index)


class Attention(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.n_kv_heads = cfg.n_kv_heads
        self.head_dim = cfg.head_dim
        self.q_proj = nn.Linear(cfg.dim, cfg.n_heads * cfg.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.n_heads * cfg.head_dim, cfg.dim, bias=False)
        rep = cfg.n_heads // cfg.n_kv_heads
        self.register_buffer("kv_index", torch.arange(cfg.n_heads, dtype=torch.int64) // rep, persistent=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor, b) -> torch.Tensor:
        H, KV, d = self.n_heads, self.n_kv_heads, self.head_dim
        q = self.q_proj(x).view(b, -1, H, d).transpose(1, 2)  # [B, H, T, d]
        k = self.k_proj(x).view(b, -1, KV, d).transpose(1, 2)
        v = self.v_proj(x).view(b, -1, KV, d).transpose(1, 2)
        q = q * cos + rotate_half(q, d // 2) * sin
        k = k * cos + rotate_half(k, d // 2) * sin
        if KV != H:
            k = repeat_kv(k, self.kv_index)
            v = repeat_kv(v, self.kv_index)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d)
        scores = scores + mask
        probs = F.softmax(scores, dim=-1)
        out = torch.matmul(probs, v)  # [B, H, T, d]
        out = out.transpose(1, 2).reshape(b, -1, H * d)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)  # llama2.c w1
        self.up_proj = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)    # llama2.c w3
        self.down_proj = nn.Linear(cfg.hidden_dim, cfg.dim, bias=False)  # llama2.c w2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: LlamaConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask, b):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, b)
        return h + self.mlp(self.post_attention_layernorm(h))


class LlamaForCausalLM(nn.Module):
    """input_ids [B, T] int64 -> logits [B, T, vocab] float32 (T <= max_seq_len)."""

    def __init__(self, cfg: LlamaConfig, cos: Optional[np.ndarray] = None, sin: Optional[np.ndarray] = None):
        super().__init__()
        cfg.validate()
        self.config = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.lm_head = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight
        if cos is None or sin is None:
            cos, sin = half_rope_tables(cfg.max_seq_len, cfg.head_dim, cfg.rope_theta)
        # Position tables [max_seq, head_dim] and the additive causal mask
        # [max_seq, max_seq]; the forward slices the first T rows (ONNX: Slice
        # of an initializer by the dynamic sequence length).
        self.register_buffer("rope_cos", torch.as_tensor(np.ascontiguousarray(cos), dtype=torch.float32))
        self.register_buffer("rope_sin", torch.as_tensor(np.ascontiguousarray(sin), dtype=torch.float32))
        neg = torch.finfo(torch.float32).min
        mask = torch.triu(torch.full((cfg.max_seq_len, cfg.max_seq_len), neg, dtype=torch.float32), diagonal=1)
        self.register_buffer("causal_mask", mask)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.lm_head(self.norm(self.residual_stream(input_ids)[-1]))

    def residual_stream(self, input_ids: torch.Tensor) -> List[torch.Tensor]:
        """The residual stream at every layer boundary: [embeddings, after layer 0, ...]."""
        b, t = input_ids.shape[0], input_ids.shape[1]
        cos, sin, mask = self.rope_cos[:t], self.rope_sin[:t], self.causal_mask[:t, :t]
        x = self.embed_tokens(input_ids)
        out = [x]
        for layer in self.layers:
            x = layer(x, cos, sin, mask, b)
            out.append(x)
        return out


def half_rope_tables(seq_len: int, head_dim: int, theta: float = 10000.0) -> Tuple[np.ndarray, np.ndarray]:
    """Rotate-half cos/sin tables [seq_len, head_dim] (the half-size table repeated twice)."""
    freqs = 1.0 / (theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    ang = np.outer(np.arange(seq_len, dtype=np.float64), freqs)
    c, s = np.cos(ang), np.sin(ang)
    return (np.concatenate([c, c], axis=1).astype(np.float32),
            np.concatenate([s, s], axis=1).astype(np.float32))


# --------------------------------------------------------------------------- llama2.c
def interleaved_to_half_rows(n_heads: int, head_dim: int) -> np.ndarray:
    """Row permutation taking llama2.c's interleaved q/k rows to rotate-half order.

    Inside every head, llama2.c rotates the pairs (2i, 2i+1) by angle pos*f_i;
    rotate-half rotates (i, i + d/2) by the same angle. New row i of a head is
    old row 2i, new row i + d/2 is old row 2i + 1: [0, 2, 4, ..., 1, 3, 5, ...].
    Since attention scores are dot products q.k within a head, permuting q and k
    the same way leaves them unchanged; v and o are untouched.
    """
    within = np.concatenate([np.arange(0, head_dim, 2), np.arange(1, head_dim, 2)])
    return (np.arange(n_heads)[:, None] * head_dim + within[None, :]).reshape(-1)


def from_llama2c(ckpt, max_seq_len: Optional[int] = None) -> LlamaForCausalLM:
    """Builds the rotate-half torch model from a Llama2cCheckpoint (llama2c.read_checkpoint)."""
    c = ckpt.config
    seq = max_seq_len or c.seq_len
    cfg = LlamaConfig(dim=c.dim, hidden_dim=c.hidden_dim, n_layers=c.n_layers, n_heads=c.n_heads,
                      n_kv_heads=c.n_kv_heads, vocab_size=c.vocab_size, max_seq_len=seq,
                      tie_embeddings=c.shared_classifier)
    # Use the checkpoint's own frequency tables (what llama2.c's training code
    # wrote), extended by computation when a longer context is asked for.
    real, imag = ckpt["freq_cis_real"], ckpt["freq_cis_imag"]
    if seq <= real.shape[0]:
        cos = np.concatenate([real[:seq], real[:seq]], axis=1)
        sin = np.concatenate([imag[:seq], imag[:seq]], axis=1)
    else:
        cos, sin = half_rope_tables(seq, cfg.head_dim, cfg.rope_theta)
    model = LlamaForCausalLM(cfg, cos, sin)
    pq = interleaved_to_half_rows(c.n_heads, c.head_size)
    pk = interleaved_to_half_rows(c.n_kv_heads, c.head_size)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
    with torch.no_grad():
        model.embed_tokens.weight.copy_(t(ckpt["token_embedding"]))
        for i, layer in enumerate(model.layers):
            layer.input_layernorm.weight.copy_(t(ckpt["rms_att"][i]))
            layer.self_attn.q_proj.weight.copy_(t(ckpt["wq"][i][pq]))
            layer.self_attn.k_proj.weight.copy_(t(ckpt["wk"][i][pk]))
            layer.self_attn.v_proj.weight.copy_(t(ckpt["wv"][i]))
            layer.self_attn.o_proj.weight.copy_(t(ckpt["wo"][i]))
            layer.post_attention_layernorm.weight.copy_(t(ckpt["rms_ffn"][i]))
            layer.mlp.gate_proj.weight.copy_(t(ckpt["w1"][i]))
            layer.mlp.down_proj.weight.copy_(t(ckpt["w2"][i]))
            layer.mlp.up_proj.weight.copy_(t(ckpt["w3"][i]))
        model.norm.weight.copy_(t(ckpt["rms_final"]))
        if not c.shared_classifier:
            model.lm_head.weight.copy_(t(ckpt["wcls"]))
    model.eval()
    return model


def load_llama2c(path: str, max_seq_len: Optional[int] = None) -> LlamaForCausalLM:
    from .llama2c import read_checkpoint

    return from_llama2c(read_checkpoint(path), max_seq_len)


# --------------------------------------------------------------------------- synthetic
@dataclass
class SyntheticSpec:
    dim: int = 64
    hidden: int = 172
    layers: int = 2
    heads: int = 8
    kv_heads: int = 4
    vocab: int = 512
    seq: int = 256
    outliers: int = 4           # residual-stream channels carrying outliers (0: none)
    outlier_max: float = 100.0  # size of the strongest one, in typical-channel RMS units
    outlier_min: float = 20.0   # size of the weakest one; geometric spacing in between
    ffn_outliers: int = 0       # MLP intermediate (down_proj input) channels with outliers
    ffn_outlier_scale: float = 50.0
    seed: int = 0
    tie: int = 0                # 1: lm_head shares the embedding
    logit_scale: float = 4.0    # std of the base model's logits (peakier than uniform)

    @classmethod
    def parse(cls, text: str) -> "SyntheticSpec":
        """'dim=64,hidden=172,layers=2,...' (any subset; the rest keep their defaults)."""
        spec = cls()
        fields = asdict(spec)
        for item in filter(None, (s.strip() for s in text.split(","))):
            if "=" not in item:
                raise ValueError(f"synthetic spec: '{item}' is not key=value")
            k, v = (s.strip() for s in item.split("=", 1))
            k = {"hidden_dim": "hidden", "n_layers": "layers", "n_heads": "heads", "n_kv_heads": "kv_heads",
                 "vocab_size": "vocab", "seq_len": "seq", "kv": "kv_heads"}.get(k, k)
            if k not in fields:
                raise ValueError(f"synthetic spec: unknown key '{k}' (known: {', '.join(fields)})")
            cur = fields[k]
            try:
                setattr(spec, k, int(v, 0) if isinstance(cur, int) else float(v))
            except ValueError:
                raise ValueError(f"synthetic spec: bad value for {k}: '{v}'") from None
        spec.validate()
        return spec

    def validate(self) -> None:
        try:
            self.config().validate()
        except ValueError as e:
            raise ValueError(f"synthetic spec: {e}") from None
        if self.outliers < 0 or self.outliers > self.dim // 2:
            raise ValueError(f"synthetic spec: outliers={self.outliers} must be in [0, dim/2]")
        if self.outliers and not (1.0 <= self.outlier_min <= self.outlier_max):
            raise ValueError("synthetic spec: need 1 <= outlier_min <= outlier_max")
        if self.ffn_outliers < 0 or self.ffn_outliers > self.hidden // 2:
            raise ValueError(f"synthetic spec: ffn_outliers={self.ffn_outliers} must be in [0, hidden/2]")
        if self.ffn_outliers and self.ffn_outlier_scale < 1.0:
            raise ValueError("synthetic spec: ffn_outlier_scale must be >= 1")

    def to_string(self) -> str:
        return ",".join(f"{k}={v}" for k, v in asdict(self).items())

    def config(self) -> LlamaConfig:
        return LlamaConfig(dim=self.dim, hidden_dim=self.hidden, n_layers=self.layers, n_heads=self.heads,
                           n_kv_heads=self.kv_heads, vocab_size=self.vocab, max_seq_len=self.seq,
                           tie_embeddings=bool(self.tie))


@dataclass
class OutlierPlan:
    channels: np.ndarray      # residual channels
    scales: np.ndarray        # s_c (typical-channel RMS units)
    ffn_channels: np.ndarray  # MLP intermediate channels (same in every layer)


def outlier_plan(spec: SyntheticSpec) -> OutlierPlan:
    """Which channels get outliers, and how large; deterministic in the seed."""
    rng = np.random.default_rng([spec.seed, 0x0157])
    k = spec.outliers
    channels = np.sort(rng.choice(spec.dim, size=k, replace=False)).astype(np.int64)
    scales = np.geomspace(spec.outlier_max, spec.outlier_min, k) if k else np.zeros(0)
    scales = scales[rng.permutation(k)]
    ffn = np.sort(rng.choice(spec.hidden, size=spec.ffn_outliers, replace=False)).astype(np.int64)
    return OutlierPlan(channels, scales, ffn)


def _base_weights(spec: SyntheticSpec, rng) -> Dict[str, np.ndarray]:
    d, h, L = spec.dim, spec.hidden, spec.layers
    kv = spec.kv_heads * (d // spec.heads)

    def lin(out_f, in_f):
        return (rng.standard_normal((out_f, in_f)) / math.sqrt(in_f)).astype(np.float32)

    def out_lin(out_f, in_f):
        # Residual-writing projections (o_proj, down_proj) get GPT-2's scaled
        # init 1/sqrt(2L): the stream's typical size stays ~1 through depth.
        return (lin(out_f, in_f) / np.float32(math.sqrt(2 * L))).astype(np.float32)

    def norm_w(n):
        return (1.0 + 0.05 * rng.standard_normal(n)).astype(np.float32)

    w: Dict[str, np.ndarray] = {}
    w["embed_tokens.weight"] = rng.standard_normal((spec.vocab, d)).astype(np.float32)
    for i in range(L):
        p = f"layers.{i}."
        w[p + "input_layernorm.weight"] = norm_w(d)
        w[p + "self_attn.q_proj.weight"] = lin(d, d)
        w[p + "self_attn.k_proj.weight"] = lin(kv, d)
        w[p + "self_attn.v_proj.weight"] = lin(kv, d)
        w[p + "self_attn.o_proj.weight"] = out_lin(d, d)
        w[p + "post_attention_layernorm.weight"] = norm_w(d)
        w[p + "mlp.gate_proj.weight"] = lin(h, d)
        w[p + "mlp.up_proj.weight"] = lin(h, d)
        w[p + "mlp.down_proj.weight"] = out_lin(d, h)
    w["norm.weight"] = norm_w(d)
    if spec.tie:
        # Tied head: logits = E n with E ~ N(0,1); set the logit scale through the final norm.
        w["norm.weight"] *= np.float32(spec.logit_scale / math.sqrt(d))
    else:
        w["lm_head.weight"] = (lin(spec.vocab, d) * np.float32(spec.logit_scale)).astype(np.float32)
    return w


def _norm_input_rms(spec: SyntheticSpec, w: Dict[str, np.ndarray], ids: torch.Tensor):
    """Mean per-token RMS at every RMSNorm input (in forward order) and the stream's median channel RMS."""
    # float64 and rounded results: the weights must not depend on the BLAS or
    # the thread count (same seed => identical bytes on any machine).
    model = _model_from_weights(spec, w).double()
    norms = []
    for layer in model.layers:
        norms += [layer.input_layernorm, layer.post_attention_layernorm]
    norms.append(model.norm)
    seen: List[float] = []
    hooks = [n.register_forward_pre_hook(lambda m, a: seen.append(float(a[0].pow(2).mean(-1).sqrt().mean())))
             for n in norms]
    with torch.no_grad():
        model(ids)
        for hk in hooks:
            hk.remove()
        stream = model.residual_stream(ids)
    if len(seen) != len(norms):
        raise RuntimeError("synthetic model: RMSNorm calibration saw the wrong number of norms")
    typical = [float(x.reshape(-1, x.shape[-1]).pow(2).mean(0).sqrt().median()) for x in stream]
    r4 = lambda v: float(f"{v:.4g}")
    return [r4(v) for v in seen], [r4(v) for v in typical]


def synthetic_weights(spec: SyntheticSpec) -> Dict[str, np.ndarray]:
    """Deterministic weights (HF names, [out, in]) of a synthetic LLaMA.

    Base model: numpy PCG64 seeded by `seed`; embeddings N(0, 1), linears
    N(0, 1/fan_in) (unit-variance outputs) except the residual-writing o_proj
    and down_proj, which get GPT-2's scaled init N(0, 1/(fan_in * 2L)) so the
    stream's typical channel RMS stays ~1 through depth; norm weights
    1 + N(0, 0.05^2); the head scaled so that the logits' std is ~logit_scale.

    Residual outliers (`outliers` channels c, sizes s_c geometric in
    [outlier_min, outlier_max]), like the outlier/"massive activation"
    channels of real LLMs:
      * embedding column c is set to sign(e_vc) * s_c * r * (1 + 0.1 N(0,1)),
        where r is the typical (median) channel RMS of the base model's *last*
        residual stream, measured on seeded random tokens. Every token thus
        holds a value of nearly the same magnitude s_c*r in channel c (so the
        RMSNorm denominators, which the outliers dominate, are stable from token
        to token), with the base embedding's sign (zero mean: it does not act as
        a bias). The o_proj/down_proj rows c keep their base size, so layers add
        only ordinary-sized updates to channel c and the outlier persists through
        every layer: max-channel RMS / median-channel RMS ~ s_max at every depth;
      * weights reading the stream stay matched, the way real models' weights on
        such channels are small: columns c of q/k/v/gate/up and of the head are
        divided by s_c (tied head: the final-norm weight c by s_c*amp_c), so the
        outliers reach the linear layers' inputs (what hurts per-token activation
        quantization) without dominating their outputs;
      * every RMSNorm weight is multiplied by rho = rms_with_outliers / rms_base
        of its input (analytic from the measured base RMS), so the ordinary
        channels keep their base-model size after normalisation.
    FFN outliers (`ffn_outliers` intermediate channels j, exact equivalence):
    rows j of up_proj are multiplied by ffn_outlier_scale and columns j of
    down_proj divided by it: the down_proj input carries outliers, the
    function is unchanged.
    """
    spec.validate()
    rng = np.random.default_rng(spec.seed)
    w = _base_weights(spec, rng)
    plan = outlier_plan(spec)
    d, L = spec.dim, spec.layers

    if plan.ffn_channels.size:
        f = np.float32(spec.ffn_outlier_scale)
        for i in range(L):
            p = f"layers.{i}.mlp."
            w[p + "up_proj.weight"][plan.ffn_channels, :] *= f
            w[p + "down_proj.weight"][:, plan.ffn_channels] /= f

    if plan.channels.size:
        c = plan.channels
        s = plan.scales
        cal_rng = np.random.default_rng([spec.seed, 0xCA1])
        ids = torch.from_numpy(cal_rng.integers(0, spec.vocab, (4, min(spec.seq, 64))).astype(np.int64))
        norm_rms, typical = _norm_input_rms(spec, w, ids)
        r = typical[-1]
        amp = s * r  # absolute size of each outlier channel
        noise = 1.0 + 0.1 * cal_rng.standard_normal((spec.vocab, c.size))
        sign = np.where(w["embed_tokens.weight"][:, c] < 0, -1.0, 1.0)
        w["embed_tokens.weight"][:, c] = (sign * amp * noise).astype(np.float32)
        k = c.size
        rhos = [math.sqrt(((d - k) * rb * rb + float(np.sum(amp ** 2))) / d) / rb for rb in norm_rms]
        names = []
        for i in range(L):
            names += [f"layers.{i}.input_layernorm.weight", f"layers.{i}.post_attention_layernorm.weight"]
        names.append("norm.weight")
        for name, rho in zip(names, rhos):
            w[name] *= np.float32(rho)
        sf = s.astype(np.float32)
        for i in range(L):
            p = f"layers.{i}."
            for name in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj"):
                w[p + name + ".weight"][:, c] /= sf[None, :]
        if spec.tie:
            # The tied head's column c is the (now huge, +-amp) embedding column:
            # compensate both the normalised value (s_c) and the column (amp).
            w["norm.weight"][c] /= (s * amp).astype(np.float32)
        else:
            w["lm_head.weight"][:, c] /= sf[None, :]
    return w


def _model_from_weights(spec: SyntheticSpec, weights: Dict[str, np.ndarray]) -> LlamaForCausalLM:
    model = LlamaForCausalLM(spec.config())
    state = {k: torch.from_numpy(v.copy()) for k, v in weights.items()}
    if spec.tie:
        state["lm_head.weight"] = state["embed_tokens.weight"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if m not in ("rope_cos", "rope_sin", "causal_mask")]
    if missing or unexpected:
        raise RuntimeError(f"synthetic model: missing {missing}, unexpected {unexpected}")
    model.eval()
    return model


def build_synthetic(spec) -> LlamaForCausalLM:
    """A synthetic LLaMA from a SyntheticSpec or its 'key=value,...' string."""
    if isinstance(spec, str):
        spec = SyntheticSpec.parse(spec)
    model = _model_from_weights(spec, synthetic_weights(spec))
    model.synthetic_spec = spec  # type: ignore[attr-defined]
    return model


def channel_outlier_ratio(model: LlamaForCausalLM, input_ids: torch.Tensor) -> Tuple[float, List[float]]:
    """max-channel RMS / median-channel RMS of the residual stream, overall and per boundary."""
    with torch.no_grad():
        per = []
        for x in model.residual_stream(input_ids):
            rms = x.reshape(-1, x.shape[-1]).pow(2).mean(0).sqrt()
            per.append(float(rms.max() / rms.median()))
    return min(per), per
