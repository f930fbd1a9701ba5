#!/usr/bin/env python3
"""ONNX Runtime CPU FP32 prefill and decode throughput.

    scripts/python.sh bench/cpu-support/ort_bench.py --full M.onnx --cache M.cache.onnx
        [--threads N] [--prompt-tokens 512] [--decode-tokens 64] [--repeat 3]

The ONNX Runtime side of bench/cpu, with the same protocol as a compiled
model's `NAME bench` (runtime/session/BenchCommand.cpp): token ids
(i * 7919 + 1) mod vocab; prefill = one run of the full graph
(python -m ost.export.*) on --prompt-tokens tokens, all logits; decode =
--decode-tokens single-token runs of the KV-cache graph
(the exporters' --kv-cache, ost.export.kvcache) after a prefill of the prompt through the
same graph (not timed). Best of --repeat. CPU execution provider, FP32,
--threads intra-op threads (0: ORT's default), sequential execution.
Prints `<figure>: <value>` lines. Exit 2 when onnxruntime is missing.
"""

import math
import sys
import time

from ort_common import (CacheRunner, bench_tokens, die, fixed, load_ort, open_session, parse_options, run_full,
                        vocab_size)

NAME = "ort_bench"
USAGE = ("usage: scripts/python.sh bench/cpu-support/ort_bench.py --full M.onnx --cache M.cache.onnx [--threads N] "
         "[--prompt-tokens 512] [--decode-tokens 64] [--repeat 3]")


def main(argv=None) -> int:
    a = parse_options(NAME, sys.argv[1:] if argv is None else argv,
                      {"full": "", "cache": "", "threads": 0, "prompt-tokens": 512, "decode-tokens": 64, "repeat": 3},
                      USAGE)
    if not a["full"] and not a["cache"]:
        die(NAME, f"give --full and/or --cache\n{USAGE}")
    if a["repeat"] < 1 or a["prompt-tokens"] < 1:
        die(NAME, "--repeat and --prompt-tokens must be positive")

    ort = load_ort(NAME)
    P, D = a["prompt-tokens"], a["decode-tokens"]
    print(f"ort_version: {ort.__version__}")
    print(f"threads: {a['threads']}")
    print(f"prompt_tokens: {P}")
    print(f"decode_tokens: {D}")
    print(f"repeat: {a['repeat']}", flush=True)

    try:
        if a["full"]:
            session = open_session(ort, NAME, a["full"], a["threads"])
            prompt = bench_tokens(P, vocab_size(session))
            best = math.inf
            for _ in range(a["repeat"]):
                t0 = time.perf_counter()
                run_full(ort, session, prompt)
                best = min(best, (time.perf_counter() - t0) * 1e3)
            print(f"ort_prefill_ms: {fixed(best, 3)}")
            print(f"ort_prefill_tokens_per_s: {fixed(P / best * 1e3, 2)}", flush=True)
            del session
        if a["cache"] and D > 0:
            session = open_session(ort, NAME, a["cache"], a["threads"])
            vocab = vocab_size(session)
            prompt, following = bench_tokens(P, vocab), bench_tokens(D, vocab, P)
            runner = CacheRunner(ort, session)
            best = math.inf
            for _ in range(a["repeat"]):
                runner.reset()
                runner.step(prompt)
                t0 = time.perf_counter()
                for token in following:
                    runner.step([token])
                best = min(best, (time.perf_counter() - t0) * 1e3)
            print(f"ort_decode_ms_per_token: {fixed(best / D, 3)}")
            print(f"ort_decode_tokens_per_s: {fixed(D / best * 1e3, 2)}", flush=True)
            del runner, session
    except Exception as e:  # ONNX Runtime raises its own exception types
        die(NAME, str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
