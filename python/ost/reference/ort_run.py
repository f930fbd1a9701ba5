"""Run an exported LLaMA ONNX model with ONNX Runtime (CPU, FP32).

    scripts/python.sh -m ost.reference.ort_run MODEL.onnx --tokens 1,403,407,261,378 [--out logits.bin]
        [--batch N] [--threads N] [--input input_ids] [--output logits]

Feeds `input_ids` int64 [batch, T] (the token list repeated `batch` times),
prints the output shape and checksums, and writes the float32 logits
(little-endian, row-major) to --out. ONNX Runtime comes from the project
virtualenv (python/requirements.lock, scripts/install-deps.sh).
Exit status: 0 ok, 1 bad arguments or a runtime error, 2 onnxruntime missing.

Output (one line each; `wrote` only with --out):

    model: MODEL.onnx
    output: logits shape [1, 5, 512] float32
    checksum: sum -1234.567890 abs_sum 4567.890123 finite true
    argmax_last: 432
    time: load 12.3 ms, run 4.5 ms (onnxruntime 1.31.1)
    wrote logits.bin (10240 bytes)

The sums accumulate in float64 in row-major order; argmax_last is the first
largest logit at the last position of the first batch row.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import List, NoReturn, Optional

USAGE = ("usage: scripts/python.sh -m ost.reference.ort_run MODEL.onnx --tokens 1,403,... [--out logits.bin] "
         "[--batch N] [--threads N] [--input NAME] [--output NAME]")
INT64_MAX = 2**63 - 1


class Args:
    def __init__(self):
        self.model: Optional[str] = None
        self.tokens: Optional[str] = None
        self.out: Optional[str] = None
        self.batch = 1
        self.threads = 1
        self.input = "input_ids"
        self.output: Optional[str] = None
        self.token_ids: List[int] = []


def usage(msg: str = "") -> NoReturn:
    if msg:
        print(f"run_ort: {msg}", file=sys.stderr)
    print(USAGE, file=sys.stderr)
    sys.exit(1)


def _integer(text: str) -> Optional[int]:
    """`text` as an integer, or None (accepts what `Number` would make an integer: "2", " 3 ", "4.0")."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def parse_args(argv: List[str]) -> Args:
    a = Args()
    i = 0
    while i < len(argv):
        k = argv[i]

        def val() -> str:
            nonlocal i
            if i + 1 >= len(argv):
                usage(f"{k} needs a value")
            i += 1
            return argv[i]

        if k == "--tokens":
            a.tokens = val()
        elif k == "--out":
            a.out = val()
        elif k == "--batch":
            a.batch = _integer(val())
        elif k == "--threads":
            a.threads = _integer(val())
        elif k == "--input":
            a.input = val()
        elif k == "--output":
            a.output = val()
        elif k in ("-h", "--help"):
            usage()
        elif k.startswith("--"):
            usage(f"unknown option {k}")
        elif a.model is None:
            a.model = k
        else:
            usage(f"unexpected argument {k}")
        i += 1
    if not a.model:
        usage("no model given")
    if not a.tokens:
        usage("--tokens is required")
    if a.batch is None or a.batch < 1:
        usage("--batch must be a positive integer")
    if a.threads is None or a.threads < 0:
        usage("--threads must be a non-negative integer")
    toks = [s.strip() for s in a.tokens.split(",")]
    toks = [s for s in toks if s]
    if not toks or any(not re.fullmatch(r"[0-9]+", s) for s in toks):
        usage(f"--tokens: not a list of non-negative integers: {a.tokens}")
    a.token_ids = [int(s) for s in toks]
    return a


def first_argmax(row):
    """Index of the first largest value of a 1-D array; NaNs never win (a leading NaN gives 0)."""
    import numpy as np

    if row.size == 0 or np.isnan(row[0]):
        return 0
    return int(np.argmax(np.where(np.isnan(row), -np.inf, row)))


def js_fixed(value: float, digits: int) -> str:
    """`value` with `digits` decimals; NaN and infinities spelled NaN, Infinity, -Infinity."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return f"{value:.{digits}f}"


def session(model: str, threads: int):
    """A CPU session with every graph optimization (float activations in fused QDQ MatMuls) and `threads`
    intra-op threads (0: ORT's default)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    # With every optimization ONNX Runtime fuses DequantizeLinear + MatMul
    # (the QDQ form of `ost-compile --target=onnx --onnx-weights=qdq`) into
    # MatMulNBits with int8 activations (accuracy level 4) unless this says
    # 0; the reference computes what the graph says.
    opts.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")
    if threads > 0:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])


def run(model: str, token_ids: List[int], batch: int = 1, threads: int = 1, input_name: str = "input_ids",
        output_name: Optional[str] = None):
    """Runs `model` on `token_ids` repeated `batch` times.

    Returns (name, array, load_ms, run_ms); raises RuntimeError (or ONNX
    Runtime's own errors) for a model or output that does not fit.
    """
    import numpy as np

    if any(t > INT64_MAX for t in token_ids):
        raise RuntimeError(f"token id {max(token_ids)} does not fit int64")
    t0 = time.perf_counter()
    sess = session(model, threads)
    t1 = time.perf_counter()
    ids = np.tile(np.asarray(token_ids, dtype=np.int64), (batch, 1))
    names = [o.name for o in sess.get_outputs()]
    results = sess.run(None, {input_name: ids})
    t2 = time.perf_counter()
    out_name = output_name if output_name is not None else names[0]
    if out_name not in names:
        raise RuntimeError(f"no output named {out_name} (outputs: {', '.join(names)})")
    out = results[names.index(out_name)]
    if not isinstance(out, np.ndarray):
        raise RuntimeError(f"output {out_name} is not a tensor")
    if out.dtype != np.float32:
        raise RuntimeError(f"output {out_name} is {out.dtype.name}, expected float32")
    return out_name, out, (t1 - t0) * 1e3, (t2 - t1) * 1e3


def report(model: str, out_name: str, out, n_tokens: int, load_ms: float, run_ms: float, version: str) -> List[str]:
    """The runner's output lines for logits `out` (without the `wrote` line)."""
    import numpy as np

    flat = np.ascontiguousarray(out).reshape(-1)
    wide = flat.astype(np.float64)
    # Sequential float64 accumulation (cumsum), not numpy's pairwise sum.
    total = float(np.cumsum(wide)[-1]) if wide.size else 0.0
    abs_total = float(np.cumsum(np.abs(wide))[-1]) if wide.size else 0.0
    finite = bool(np.isfinite(flat).all())
    vocab = out.shape[-1] if out.ndim else 1
    last = flat[(n_tokens - 1) * vocab:n_tokens * vocab]
    return [
        f"model: {model}",
        f"output: {out_name} shape [{', '.join(str(d) for d in out.shape)}] float32",
        f"checksum: sum {js_fixed(total, 6)} abs_sum {js_fixed(abs_total, 6)} finite {'true' if finite else 'false'}",
        f"argmax_last: {first_argmax(last)}",
        f"time: load {load_ms:.1f} ms, run {run_ms:.1f} ms (onnxruntime {version})",
    ]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.exists(args.model):
        usage(f"{args.model}: no such file")
    try:
        import numpy as np  # noqa: F401  (ONNX Runtime needs it too)
        import onnxruntime as ort
    except ImportError as e:
        print(f"run_ort: onnxruntime is not installed (run scripts/install-deps.sh): {e}", file=sys.stderr)
        return 2
    try:
        out_name, out, load_ms, run_ms = run(args.model, args.token_ids, args.batch, args.threads, args.input,
                                             args.output)
        for line in report(args.model, out_name, out, len(args.token_ids), load_ms, run_ms, ort.__version__):
            print(line)
        if args.out:
            data = np.ascontiguousarray(out, dtype="<f4").tobytes()
            with open(args.out, "wb") as f:
                f.write(data)
            print(f"wrote {args.out} ({len(data)} bytes)")
    except Exception as e:  # ONNX Runtime raises its own exception types
        print(f"run_ort: {args.model}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
