"""Reference perplexity of the torch model on a story file (shared/data/PROVENANCE.md protocol).

Protocol: the file holds stories separated by `<|endoftext|>` markers; each
story is whitespace-stripped, encoded with the llama2.c BPE (leading space
prepended) and prefixed with BOS (id 1). A story's token stream is cut into
consecutive non-overlapping windows of `--window` (512) predictions: window w
feeds tokens[w*512 : w*512+512] (only the first holds BOS, the others continue
the stream) and is scored on the next token at every position.
PPL = exp(mean NLL over all predicted tokens of all selected stories).

    scripts/python.sh -m ost.models.perplexity \
        --llama2c ../shared/data/models/stories260K.bin \
        --text ../shared/data/text/tinystories.valid.0-499.txt --first 200
    # -> predicted tokens 74200, mean NLL 1.3079, PPL 3.698
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Iterable, List, Tuple

import numpy as np

from .common import add_model_args, die, load_model, load_tokenizer, set_threads

STORY_SEPARATOR = "<|endoftext|>"


def read_stories(path: str, skip: int = 0, first: int = 0) -> List[str]:
    """Stories [skip, skip+first) of a `<|endoftext|>`-separated file (first=0: all), stripped, empty ones dropped."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        die(f"{path}: cannot read text: {e.strerror}")
    except UnicodeDecodeError as e:
        die(f"{path}: not UTF-8 text: {e}")
    stories = [s.strip() for s in text.split(STORY_SEPARATOR)]
    stories = [s for s in stories if s]
    stories = stories[skip:]
    return stories[:first] if first else stories


def windows(tokens: List[int], window: int) -> Iterable[Tuple[List[int], List[int]]]:
    """(inputs, targets) pairs of one stream, `window` predictions each."""
    for start in range(0, len(tokens) - 1, window):
        tgt = tokens[start + 1:start + 1 + window]
        yield tokens[start:start + len(tgt)], tgt


def stream_nll_torch(model, tokens: List[int], window: int) -> np.ndarray:
    import torch

    out = []
    with torch.no_grad():
        for inp, tgt in windows(tokens, window):
            logits = model(torch.tensor([inp], dtype=torch.int64))[0]
            lp = torch.log_softmax(logits.double(), dim=-1)
            out.append((-lp[torch.arange(len(tgt)), torch.tensor(tgt)]).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def evaluate(model, tok, stories: List[str], window: int = 512, backend: str = "torch", ckpt=None) -> dict:
    total, n, long_stories = 0.0, 0, 0
    for s in stories:
        ids = tok.encode(s, bos=True)
        if len(ids) - 1 > window:
            long_stories += 1
        if backend == "numpy":
            from .llama2c_numpy import stream_nll
            nll = stream_nll(ckpt, ids, window)
        else:
            nll = stream_nll_torch(model, ids, window)
        total += float(nll.sum())
        n += nll.size
    mean = total / max(n, 1)
    return {"stories": len(stories), "long_stories": long_stories, "predicted_tokens": n,
            "mean_nll": mean, "ppl": math.exp(mean)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_model_args(ap)
    ap.add_argument("--tokenizer", help="tokenizer.bin (default: <model stem>.tok*.bin next to the checkpoint)")
    ap.add_argument("--text", required=True, help="stories separated by <|endoftext|>")
    ap.add_argument("--first", type=int, default=0, help="use this many stories (0: all)")
    ap.add_argument("--skip", type=int, default=0, help="skip this many stories first")
    ap.add_argument("--chars", type=int, default=0,
                    help="treat the file as ONE document and score its first N characters (e.g. WikiText-2); "
                         "--first/--skip are ignored")
    ap.add_argument("--window", type=int, default=512, help="predictions per window (context)")
    ap.add_argument("--backend", choices=["torch", "numpy"], default="torch",
                    help="numpy: the independent llama2.c reference (llama2.c checkpoints only)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: 1 for small models)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    model, desc = load_model(args)
    set_threads(model, args.threads)
    cfg = model.config
    if args.window > cfg.max_seq_len:
        die(f"--window {args.window} exceeds the model context {cfg.max_seq_len}")
    ckpt = None
    if args.backend == "numpy":
        if not args.llama2c:
            die("--backend numpy needs --llama2c")
        from .llama2c import read_checkpoint
        ckpt = read_checkpoint(args.llama2c)
    tok = load_tokenizer(args.tokenizer, args.llama2c, cfg.vocab_size)
    if args.chars:
        try:
            with open(args.text, encoding="utf-8") as f:
                stories = [f.read(args.chars)]
        except (OSError, UnicodeDecodeError) as e:
            die(f"{args.text}: cannot read text: {e}")
    else:
        stories = read_stories(args.text, args.skip, args.first)
    if not stories or not stories[0]:
        die(f"{args.text}: no stories selected (skip={args.skip}, first={args.first})")
    t0 = time.time()
    r = evaluate(model, tok, stories, args.window, args.backend, ckpt)
    r.update(model=desc, backend=args.backend, skip=args.skip, seconds=round(time.time() - t0, 2))
    if args.json:
        print(json.dumps(r))
    else:
        print(f"model: {desc}")
        if args.chars:
            print(f"document: first {len(stories[0])} characters of {args.text}")
        else:
            print(f"stories: {r['stories']} (skip {args.skip}; {r['long_stories']} longer than {args.window} tokens)")
        print(f"predicted tokens: {r['predicted_tokens']}")
        print(f"mean NLL: {r['mean_nll']:.4f} nats/token")
        print(f"PPL: {r['ppl']:.3f}")
        print(f"time: {r['seconds']:.1f} s ({args.backend})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
