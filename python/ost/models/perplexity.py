"""Perplexity of the torch model (or the numpy llama2.c forward) on a story file
(shared/data/PROVENANCE.md protocol): the library behind
`python -m ost.reference.perplexity --llama2c|--synthetic`.

Protocol: the file holds stories separated by `<|endoftext|>` markers; each
story is whitespace-stripped, encoded with the llama2.c BPE (leading space
prepended) and prefixed with BOS (id 1). A story's token stream is cut into
consecutive non-overlapping windows of `--window` (512) predictions: window w
feeds tokens[w*512 : w*512+512] (only the first holds BOS, the others continue
the stream) and is scored on the next token at every position.
PPL = exp(mean NLL over all predicted tokens of all selected stories).

    scripts/python.sh -m ost.reference.perplexity \
        --llama2c ../shared/data/models/stories260K.bin \
        --text ../shared/data/text/tinystories.valid.0-499.txt --first 200
    # -> predicted tokens 74200, mean NLL 1.3079, PPL 3.698
"""

from __future__ import annotations

import math
from typing import Iterable, List, Tuple

import numpy as np

from .common import die

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


def stream_nll_logits(run, tokens: List[int], window: int) -> np.ndarray:
    """The NLL of each prediction with `run(ids) -> logits [len(ids), vocab]` (e.g. ONNX Runtime), in float64."""
    out = []
    for inp, tgt in windows(tokens, window):
        x = np.asarray(run(np.asarray(inp, dtype=np.int64)), dtype=np.float64)
        m = x.max(axis=-1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(x - m).sum(axis=-1))
        out.append(lse - x[np.arange(len(tgt)), np.asarray(tgt)])
    return np.concatenate(out) if out else np.zeros(0)


def evaluate(model, tok, stories: List[str], window: int = 512, backend: str = "torch", ckpt=None,
             run=None) -> dict:
    """backend "torch" (model), "numpy" (ckpt, the llama2.c forward) or "logits" (run: ids -> logits)."""
    total, n, long_stories = 0.0, 0, 0
    for s in stories:
        ids = tok.encode(s, bos=True)
        if len(ids) - 1 > window:
            long_stories += 1
        if backend == "numpy":
            from .llama2c_numpy import stream_nll
            nll = stream_nll(ckpt, ids, window)
        elif backend == "logits":
            nll = stream_nll_logits(run, ids, window)
        else:
            nll = stream_nll_torch(model, ids, window)
        total += float(nll.sum())
        n += nll.size
    mean = total / max(n, 1)
    return {"stories": len(stories), "long_stories": long_stories, "predicted_tokens": n,
            "mean_nll": mean, "ppl": math.exp(mean)}
