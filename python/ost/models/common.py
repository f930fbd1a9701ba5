"""Shared command-line plumbing: choosing a model source and its tokenizer."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from typing import Optional


def add_model_args(ap: argparse.ArgumentParser, required: bool = True) -> None:
    g = ap.add_mutually_exclusive_group(required=required)
    g.add_argument("--llama2c", metavar="PATH.bin", help="llama2.c checkpoint (e.g. stories260K.bin)")
    g.add_argument("--synthetic", metavar="SPEC",
                   help="synthetic model, e.g. dim=64,hidden=172,layers=2,heads=8,kv_heads=4,"
                        "vocab=512,seq=256,outliers=4,seed=0")


def load_model(args, max_seq_len: Optional[int] = None):
    """Returns (torch model, description). Raises SystemExit(1) with a clear message on bad input."""
    from .llama2c import Llama2cFormatError, read_checkpoint
    from .llama_torch import SyntheticSpec, build_synthetic, from_llama2c

    if getattr(args, "llama2c", None):
        try:
            ckpt = read_checkpoint(args.llama2c)
        except Llama2cFormatError as e:
            die(str(e))
        return from_llama2c(ckpt, max_seq_len), f"llama2c:{os.path.abspath(args.llama2c)}"
    try:
        spec = SyntheticSpec.parse(args.synthetic)
        if max_seq_len:
            spec.seq = max_seq_len
        return build_synthetic(spec), f"synthetic:{spec.to_string()}"
    except ValueError as e:
        die(str(e))


def tune_malloc() -> bool:
    """Keeps glibc from returning every large tensor buffer to the kernel.

    By default glibc mmaps/munmaps blocks >= 128 KiB (and trims the heap), so a
    loop of forwards pays page faults on every attention-score buffer; this
    made the 200-story perplexity run 5x slower (mostly system time).
    """
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        ok = libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1
        return libc.mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 and ok
    except (OSError, AttributeError):
        return False


def set_threads(model, threads: int = 0) -> int:
    """torch intra-op threads: `threads`, or for 0 one thread for small models (< 10M
    parameters, where thread hand-off costs more than it saves) and torch's default
    otherwise. Also applies tune_malloc()."""
    import torch

    tune_malloc()
    if threads <= 0:
        n = sum(p.numel() for p in model.parameters())
        threads = 1 if n < 10_000_000 else torch.get_num_threads()
    torch.set_num_threads(threads)
    return threads


def default_tokenizer(model_path: Optional[str]) -> Optional[str]:
    """<dir>/<stem>.tok*.bin or <dir>/tokenizer.bin next to a llama2.c checkpoint."""
    if not model_path:
        return None
    d, base = os.path.split(os.path.abspath(model_path))
    stem = os.path.splitext(base)[0]
    cands = sorted(glob.glob(os.path.join(d, glob.escape(stem) + ".tok*.bin")))
    cands.append(os.path.join(d, "tokenizer.bin"))
    for c in cands:
        if os.path.exists(c):
            return c
    return None


def load_tokenizer(path: Optional[str], model_path: Optional[str], vocab_size: int):
    from .tokenizer import Tokenizer, TokenizerFormatError

    path = path or default_tokenizer(model_path)
    if not path:
        die("no tokenizer given (--tokenizer PATH) and none found next to the model")
    try:
        return Tokenizer.load(path, vocab_size)
    except TokenizerFormatError as e:
        die(str(e))


def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    raise SystemExit(1)
