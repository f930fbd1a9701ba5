"""Reader (and writer) of llama2.c checkpoints (the legacy "version 0" format).

Layout (all little-endian):

* header: 7 x int32 = dim, hidden_dim, n_layers, n_heads, n_kv_heads,
  vocab_size, seq_len. A negative vocab_size means the classifier (output
  head) is stored separately at the end of the file; a positive one means the
  head is tied to (shares) the token embedding.
* float32 arrays, in this order:
  token_embedding [vocab, dim], rms_att [L, dim], wq [L, dim, dim],
  wk [L, kv_dim, dim], wv [L, kv_dim, dim], wo [L, dim, dim], rms_ffn [L, dim],
  w1 [L, hidden, dim], w2 [L, dim, hidden], w3 [L, hidden, dim], rms_final [dim],
  freq_cis_real [seq_len, head_size/2], freq_cis_imag [seq_len, head_size/2],
  then wcls [vocab, dim] when not shared.

Linear weights are stored PyTorch style, [out, in] (y = W x).  The q/k rows
are in llama2.c's *interleaved* RoPE order (pairs (2i, 2i+1) of each head
rotate together); see llama_torch.from_llama2c for the conversion to the
rotate-half (HF) order.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np

HEADER_FMT = "<7i"
HEADER_BYTES = struct.calcsize(HEADER_FMT)


class Llama2cFormatError(ValueError):
    """A llama2.c checkpoint is truncated or malformed. The message names the file."""


@dataclass
class Llama2cConfig:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    shared_classifier: bool = True

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_size

    def tensor_shapes(self) -> List[Tuple[str, Tuple[int, ...]]]:
        """The arrays in file order, with their shapes."""
        L, d, h, kv = self.n_layers, self.dim, self.hidden_dim, self.kv_dim
        half = self.head_size // 2
        shapes = [
            ("token_embedding", (self.vocab_size, d)),
            ("rms_att", (L, d)),
            ("wq", (L, d, d)),
            ("wk", (L, kv, d)),
            ("wv", (L, kv, d)),
            ("wo", (L, d, d)),
            ("rms_ffn", (L, d)),
            ("w1", (L, h, d)),
            ("w2", (L, d, h)),
            ("w3", (L, h, d)),
            ("rms_final", (d,)),
            ("freq_cis_real", (self.seq_len, half)),
            ("freq_cis_imag", (self.seq_len, half)),
        ]
        if not self.shared_classifier:
            shapes.append(("wcls", (self.vocab_size, d)))
        return shapes

    def expected_file_size(self) -> int:
        n = sum(int(np.prod(s)) for _, s in self.tensor_shapes())
        return HEADER_BYTES + 4 * n

    def header_bytes(self) -> bytes:
        vocab = self.vocab_size if self.shared_classifier else -self.vocab_size
        return struct.pack(HEADER_FMT, self.dim, self.hidden_dim, self.n_layers,
                           self.n_heads, self.n_kv_heads, vocab, self.seq_len)


@dataclass
class Llama2cCheckpoint:
    config: Llama2cConfig
    path: str
    tensors: Dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]

    @property
    def classifier(self) -> np.ndarray:
        """The output head [vocab, dim] (the embedding when shared)."""
        if self.config.shared_classifier:
            return self.tensors["token_embedding"]
        return self.tensors["wcls"]


def _validate_config(cfg: Llama2cConfig, path: str) -> None:
    def bad(msg: str) -> Llama2cFormatError:
        return Llama2cFormatError(f"{path}: not a valid llama2.c checkpoint: {msg}")

    for name in ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"):
        v = getattr(cfg, name)
        if v <= 0:
            raise bad(f"header field {name} = {v} must be positive")
        if v > (1 << 24):
            raise bad(f"header field {name} = {v} is implausibly large")
    if cfg.dim % cfg.n_heads:
        raise bad(f"dim {cfg.dim} is not divisible by n_heads {cfg.n_heads}")
    if cfg.n_kv_heads > cfg.n_heads or cfg.n_heads % cfg.n_kv_heads:
        raise bad(f"n_heads {cfg.n_heads} is not a multiple of n_kv_heads {cfg.n_kv_heads}")
    if cfg.head_size % 2:
        raise bad(f"head size {cfg.head_size} is odd (RoPE needs an even head size)")


def read_header(path: str) -> Llama2cConfig:
    """Reads and validates the 28-byte header only."""
    try:
        with open(path, "rb") as f:
            raw = f.read(HEADER_BYTES)
    except OSError as e:
        raise Llama2cFormatError(f"{path}: cannot read llama2.c checkpoint: {e.strerror}") from e
    if len(raw) < HEADER_BYTES:
        raise Llama2cFormatError(
            f"{path}: truncated llama2.c checkpoint: header needs {HEADER_BYTES} bytes, file has {len(raw)}")
    dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack(HEADER_FMT, raw)
    cfg = Llama2cConfig(dim, hidden, layers, heads, kv_heads, abs(vocab), seq,
                        shared_classifier=vocab > 0)
    if vocab == 0:
        raise Llama2cFormatError(f"{path}: not a valid llama2.c checkpoint: header field vocab_size = 0")
    _validate_config(cfg, path)
    return cfg


def read_checkpoint(path: str) -> Llama2cCheckpoint:
    """Reads a whole checkpoint; raises Llama2cFormatError (naming the file) on any problem."""
    cfg = read_header(path)
    size = os.path.getsize(path)
    expected = cfg.expected_file_size()
    data = np.fromfile(path, dtype="<f4", offset=HEADER_BYTES) if size > HEADER_BYTES else np.zeros(0, "<f4")
    ckpt = Llama2cCheckpoint(cfg, path)
    off = 0
    for name, shape in cfg.tensor_shapes():
        n = int(np.prod(shape))
        if off + n > data.size:
            have = max(0, data.size - off)
            raise Llama2cFormatError(
                f"{path}: truncated llama2.c checkpoint: tensor '{name}' {list(shape)} needs {n} floats "
                f"at byte offset {HEADER_BYTES + 4 * off} but only {have} remain "
                f"(file is {size} bytes, header {cfg.dim=} {cfg.n_layers=} {cfg.vocab_size=} implies {expected})")
        ckpt.tensors[name] = data[off:off + n].reshape(shape).astype(np.float32, copy=False)
        off += n
    if size != expected:
        extra = size - expected
        raise Llama2cFormatError(
            f"{path}: malformed llama2.c checkpoint: {extra} trailing bytes after the last tensor "
            f"(file is {size} bytes, header implies {expected}; wrong vocab_size sign or a newer format?)")
    for name, t in ckpt.tensors.items():
        if not np.all(np.isfinite(t)):
            raise Llama2cFormatError(f"{path}: malformed llama2.c checkpoint: tensor '{name}' has NaN/Inf values")
    return ckpt


def rope_tables(seq_len: int, head_size: int, theta: float = 10000.0) -> Tuple[np.ndarray, np.ndarray]:
    """llama2.c's freq_cis tables: cos/sin of pos * theta^(-2i/head_size), shape [seq_len, head_size/2]."""
    freqs = 1.0 / (theta ** (np.arange(0, head_size, 2, dtype=np.float64)[: head_size // 2] / head_size))
    ang = np.outer(np.arange(seq_len, dtype=np.float64), freqs)
    return np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)


def write_checkpoint(path: str, cfg: Llama2cConfig, tensors: Dict[str, np.ndarray]) -> None:
    """Writes a checkpoint in the same layout (used for tests and synthetic models).

    freq_cis_real/imag are computed when missing.
    """
    tensors = dict(tensors)
    if "freq_cis_real" not in tensors:
        tensors["freq_cis_real"], tensors["freq_cis_imag"] = rope_tables(cfg.seq_len, cfg.head_size)
    with open(path, "wb") as f:
        f.write(cfg.header_bytes())
        for name, shape in cfg.tensor_shapes():
            t = np.ascontiguousarray(tensors[name], dtype="<f4")
            if t.shape != tuple(shape):
                raise ValueError(f"write_checkpoint: tensor '{name}' has shape {t.shape}, expected {shape}")
            f.write(t.tobytes())


def main(argv=None) -> int:
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="Print the header and tensor shapes of a llama2.c checkpoint.")
    ap.add_argument("checkpoint")
    args = ap.parse_args(argv)
    try:
        ck = read_checkpoint(args.checkpoint)
    except Llama2cFormatError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    c = ck.config
    print(f"dim={c.dim} hidden_dim={c.hidden_dim} n_layers={c.n_layers} n_heads={c.n_heads} "
          f"n_kv_heads={c.n_kv_heads} vocab_size={c.vocab_size} seq_len={c.seq_len} "
          f"shared_classifier={int(c.shared_classifier)} head_size={c.head_size}")
    total = 0
    for name, t in ck.tensors.items():
        total += t.size
        print(f"  {name:16s} {list(t.shape)}")
    print(f"floats={total} bytes={c.expected_file_size()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
