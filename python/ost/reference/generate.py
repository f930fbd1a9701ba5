"""Greedy generation with the torch model (full-sequence forward each step, no KV cache).

    scripts/python.sh -m ost.reference.generate \
        --llama2c ../shared/data/models/stories260K.bin --prompt "Once upon a time" --steps 60
    # -> Once upon a time, there was a little girl named Lily. She loved to play outside ...
"""

from __future__ import annotations

import argparse
import sys
from typing import List

from ost.models.common import add_model_args, load_model, load_tokenizer, set_threads
from ost.models.tokenizer import BOS_ID, EOS_ID


def greedy(model, ids: List[int], steps: int, stop_ids=(BOS_ID, EOS_ID)) -> List[int]:
    """Appends up to `steps` argmax tokens (stops at BOS/EOS like llama2.c, or at the context end)."""
    import torch

    ids = list(ids)
    ctx = model.config.max_seq_len
    with torch.no_grad():
        for _ in range(steps):
            if len(ids) >= ctx:
                break
            nxt = int(model(torch.tensor([ids], dtype=torch.int64))[0, -1].argmax())
            if nxt in stop_ids:
                break
            ids.append(nxt)
    return ids


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.reference.generate",
                                 description="Greedy generation with the reference torch model.")
    add_model_args(ap)
    ap.add_argument("--tokenizer")
    ap.add_argument("--prompt", default="Once upon a time")
    ap.add_argument("--steps", type=int, default=64, help="tokens to generate")
    ap.add_argument("--ids", action="store_true", help="also print the token ids")
    args = ap.parse_args(argv)
    model, _ = load_model(args)
    set_threads(model)
    tok = load_tokenizer(args.tokenizer, args.llama2c, model.config.vocab_size)
    prompt = tok.encode(args.prompt, bos=True)
    out = greedy(model, prompt, args.steps)
    print(tok.decode(out))
    if args.ids:
        print(",".join(map(str, out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
