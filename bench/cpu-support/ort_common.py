"""ONNX Runtime helpers of the CPU benchmark.

Shared by ort_bench.py and ort_check_cache.py: loads ONNX Runtime for Python
(the project virtualenv, scripts/install-deps.sh), opens CPU FP32 sessions
with a given intra-op thread count, makes the benchmark's deterministic token
ids and runs the KV-cache graph of python/ost/export/kvcache.py step by step.
"""

from __future__ import annotations

import math
import os
import re
import sys
from typing import Dict, List, NoReturn, Union

Option = Union[int, str]


def die(name: str, message: str, status: int = 1) -> NoReturn:
    """Prints `NAME: message` and exits with `status` (1: error, 2: ORT missing)."""
    print(f"{name}: {message}", file=sys.stderr, flush=True)
    sys.exit(status)


def load_ort(name: str):
    """The onnxruntime module; exits with status 2 when it is not installed."""
    try:
        import numpy  # noqa: F401  (ONNX Runtime needs it too)
        import onnxruntime
    except ImportError as e:
        die(name, f"onnxruntime is not installed (run scripts/install-deps.sh): {e}", 2)
    return onnxruntime


def open_session(ort, name: str, path: str, threads: int):
    """A CPU session, all graph optimizations, `threads` intra-op threads (0: ORT's default), sequential."""
    if not os.path.exists(path):
        die(name, f"{path}: no such file")
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.inter_op_num_threads = 1
    if threads > 0:
        opts.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # ONNX Runtime raises its own exception types
        die(name, f"{path}: {e}")


def vocab_size(session) -> int:
    """The last dimension of output `logits` (the vocabulary)."""
    meta = next((m for m in session.get_outputs() if m.name == "logits"), None)
    v = meta.shape[-1] if meta is not None and meta.shape else None
    if not isinstance(v, int):
        raise RuntimeError("the model has no logits output with a fixed vocabulary size")
    return v


def bench_tokens(n: int, vocab: int, start: int = 0) -> List[int]:
    """The benchmark's token ids: id(i) = (i * 7919 + 1) mod vocab, for i in [start, start + n)."""
    return [((start + i) * 7919 + 1) % vocab for i in range(n)]


def parse_options(name: str, argv: List[str], defaults: Dict[str, Option], usage: str) -> Dict[str, Option]:
    """Parses --name value options into a copy of `defaults` (integer defaults take non-negative integers)."""
    a = dict(defaults)
    i = 0
    while i < len(argv):
        k = argv[i]
        if k in ("-h", "--help"):
            print(usage)
            sys.exit(0)
        key = k[2:] if k.startswith("--") else None
        if key is None or key not in defaults:
            die(name, f"unknown argument {k}\n{usage}")
        if i + 1 >= len(argv):
            die(name, f"{k} needs a value")
        i += 1
        v = argv[i]
        if isinstance(defaults[key], int):
            if not re.fullmatch(r"[0-9]+", v):
                die(name, f"{k} must be a non-negative integer, got {v}")
            a[key] = int(v)
        else:
            a[key] = v
        i += 1
    return a


def first_argmax(rows):
    """Per row of a 2-D array, the index of the first largest value; NaNs never win (a leading NaN gives 0)."""
    import numpy as np

    nan = np.isnan(rows)
    arg = np.argmax(np.where(nan, -np.inf, rows), axis=-1)
    arg[nan[:, 0]] = 0
    return arg


def exponential(value: float, digits: int = 3) -> str:
    """`value` as d.ddde±x (no exponent padding); NaN and infinities spelled NaN, Infinity, -Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    mantissa, exp = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exp):+d}"


def fixed(value: float, digits: int) -> str:
    """`value` with `digits` decimals; NaN and infinities spelled NaN, Infinity, -Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return f"{value:.{digits}f}"


def _ids(ort, ids: List[int]):
    import numpy as np

    return ort.OrtValue.ortvalue_from_numpy(np.asarray([ids], dtype=np.int64))


class CacheRunner:
    """Runs the KV-cache graph: inputs input_ids, past_key_<i>/past_value_<i>.

    The presents stay ONNX Runtime values (OrtValue) from one step to the
    next, so no step copies the cache.
    """

    def __init__(self, ort, session):
        import numpy as np

        self.ort, self.session, self.np = ort, session, np
        inputs = session.get_inputs()
        self.past_names = [m.name for m in inputs if m.name.startswith("past_")]
        if not self.past_names:
            raise RuntimeError("the model has no past_* inputs (not a KV-cache graph)")
        # The past length (any symbolic dimension) starts at 0.
        self.past_shapes = [[d if isinstance(d, int) else 0 for d in m.shape]
                            for m in inputs if m.name.startswith("past_")]
        self.output_names = ["logits"] + [n.replace("past_", "present_", 1) for n in self.past_names]
        self.reset()

    def reset(self) -> None:
        np = self.np
        self.past = [self.ort.OrtValue.ortvalue_from_numpy(np.zeros(s, dtype=np.float32)) for s in self.past_shapes]
        self.position = 0

    def step(self, ids: List[int]):
        """Runs `ids` after the cached positions; returns the logits OrtValue [1, T, V]."""
        feeds = {"input_ids": _ids(self.ort, ids)}
        feeds.update(zip(self.past_names, self.past))
        out = self.session.run_with_ort_values(self.output_names, feeds)
        self.past = list(out[1:])
        self.position += len(ids)
        return out[0]


def run_full(ort, session, ids: List[int]):
    """Runs the full (no-cache) graph on `ids`; returns the logits OrtValue [1, T, V]."""
    return session.run_with_ort_values(["logits"], {"input_ids": _ids(ort, ids)})[0]
