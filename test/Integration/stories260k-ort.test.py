"""Compare two raw float32 logits dumps: max |a - b| must be <= --max-abs.

    compare_logits.py A.bin B.bin --max-abs 1e-4 [--vocab V]

Prints `max_abs_diff: X` and `argmax_agree: K/N` (with --vocab); exits 1 when
the files differ in size or the tolerance is exceeded.
"""

import argparse
import sys

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--max-abs", type=float, required=True)
    ap.add_argument("--vocab", type=int, default=0)
    args = ap.parse_args()
    a = np.fromfile(args.a, dtype="<f4")
    b = np.fromfile(args.b, dtype="<f4")
    if a.size != b.size or a.size == 0:
        print(f"size mismatch: {args.a} has {a.size} floats, {args.b} has {b.size}")
        return 1
    diff = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
    print(f"max_abs_diff: {diff:.3e}")
    if args.vocab:
        ra, rb = a.reshape(-1, args.vocab), b.reshape(-1, args.vocab)
        agree = int(np.sum(ra.argmax(1) == rb.argmax(1)))
        print(f"argmax_agree: {agree}/{ra.shape[0]}")
    if not np.isfinite(diff) or diff > args.max_abs:
        print(f"FAIL: max |a-b| = {diff:.3e} > {args.max_abs:.1e}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
