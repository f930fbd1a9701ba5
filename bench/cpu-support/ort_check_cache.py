#!/usr/bin/env python3
"""KV-cache graph against the full graph, both with ONNX Runtime.

    scripts/python.sh bench/cpu-support/ort_check_cache.py --full M.onnx --cache M.cache.onnx
        [--tokens 24] [--prefill 8] [--threads N] [--tolerance 1e-4]

Runs --tokens benchmark token ids through the full graph (all logits) and
through the KV-cache graph of python/ost/export/kvcache.py (a prefill of
--prefill tokens, then one token per run), both with ONNX Runtime (CPU,
FP32), and prints `max_rel_logit_diff: <max|a-b| / max|b|>` (b: the full
graph) plus the argmax agreement. Exit 1 above --tolerance, 2 when
onnxruntime is missing.
"""

import sys

from ort_common import (CacheRunner, bench_tokens, die, exponential, first_argmax, load_ort, open_session,
                        parse_options, run_full, vocab_size)

NAME = "ort_check_cache"
USAGE = ("usage: scripts/python.sh bench/cpu-support/ort_check_cache.py --full M.onnx --cache M.cache.onnx "
         "[--tokens 24] [--prefill 8] [--threads N] [--tolerance 1e-4]")


def main(argv=None) -> int:
    a = parse_options(NAME, sys.argv[1:] if argv is None else argv,
                      {"full": "", "cache": "", "tokens": 24, "prefill": 8, "threads": 0, "tolerance": "1e-4"}, USAGE)
    if not a["full"] or not a["cache"]:
        die(NAME, f"give --full and --cache\n{USAGE}")
    if a["prefill"] < 1 or a["prefill"] > a["tokens"]:
        die(NAME, "--prefill must be in [1, --tokens]")
    try:
        tolerance = float(a["tolerance"])
    except ValueError:
        die(NAME, f"--tolerance must be a number, got {a['tolerance']}")

    ort = load_ort(NAME)
    import numpy as np

    try:
        full = open_session(ort, NAME, a["full"], a["threads"])
        cache = open_session(ort, NAME, a["cache"], a["threads"])
        vocab = vocab_size(full)
        if vocab_size(cache) != vocab:
            raise RuntimeError("the two graphs have different vocabularies")
        ids = bench_tokens(a["tokens"], vocab)
        n, prefill = len(ids), a["prefill"]
        ref = run_full(ort, full, ids).numpy().reshape(n, vocab)
        got = np.empty_like(ref)
        runner = CacheRunner(ort, cache)
        got[:prefill] = runner.step(ids[:prefill]).numpy().reshape(prefill, vocab)
        for t in range(prefill, n):
            got[t] = runner.step([ids[t]]).numpy().reshape(vocab)
        d = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        max_abs = float(np.where(np.isfinite(d), d, np.inf).max())
        max_ref = float(np.abs(ref).max())  # NaN when the reference has one
        agree = int((first_argmax(got) == first_argmax(ref)).sum())
        rel = max_abs / max_ref if max_ref > 0 else max_abs
        print(f"tokens: {n} (prefill {prefill}, then {n - prefill} single-token steps)")
        print(f"max_abs_logit_diff: {exponential(max_abs)}")
        print(f"argmax_agree: {agree}/{n}")
        print(f"max_rel_logit_diff: {exponential(rel)}", flush=True)
        if not rel <= tolerance:
            die(NAME, f"the cache graph differs: {exponential(rel)} > {a['tolerance']}")
    except Exception as e:  # ONNX Runtime raises its own exception types
        die(NAME, str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
