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
