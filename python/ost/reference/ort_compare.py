"""Cross-check an exported ONNX model against the torch model with ONNX Runtime.

    scripts/python.sh -m ost.reference.ort_compare \
        --llama2c ../shared/data/models/stories260K.bin --workdir /tmp/ort-check --seq 64 --batch 2

Exports the model (ost.export.torch_onnx.export), runs it with ONNX Runtime for Python
(ost.reference.ort_run, CPU, FP32) on a token sequence (deterministic, from
--seed), writes ORT's float32 logits to WORKDIR/model.logits.bin and compares
them with the torch model's. Prints the max abs diff; exits 1 when it exceeds
--tol. Needs onnxruntime (the project virtualenv, scripts/install-deps.sh).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from ost.models.common import add_model_args, die, load_model


def run_ort(onnx_path: str, tokens, out_path: str, batch: int = 1, threads: int = 1):
    """Runs the model with ost.reference.ort_run; returns (logits [batch, T, V] float32, its report lines).

    Raises RuntimeError when onnxruntime is missing or the run fails.
    """
    try:
        import onnxruntime

        from ost.reference import ort_run
    except ImportError as e:
        raise RuntimeError(f"onnxruntime is not installed (run scripts/install-deps.sh): {e}") from e
    ids = [int(t) for t in tokens]
    try:
        name, out, load_ms, run_ms = ort_run.run(onnx_path, ids, batch=batch, threads=threads)
    except Exception as e:  # ONNX Runtime raises its own exception types
        raise RuntimeError(f"ort_run: {onnx_path}: {e}") from e
    out.astype("<f4").tofile(out_path)
    lines = ort_run.report(onnx_path, name, out, len(ids), load_ms, run_ms, onnxruntime.__version__)
    return out.reshape(batch, len(ids), -1), "\n".join(lines) + "\n"


def main(argv=None) -> int:
    import torch

    from ost.export.torch_onnx import export

    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.reference.ort_compare",
                                 description="ONNX Runtime vs torch logits.")
    add_model_args(ap)
    ap.add_argument("--workdir", required=True, help="where the .onnx and logits go")
    ap.add_argument("--seq", type=int, default=64, help="tokens to feed")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--external-data", action="store_true")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args(argv)

    model, desc = load_model(args)
    cfg = model.config
    if args.seq > cfg.max_seq_len:
        die(f"--seq {args.seq} exceeds the context {cfg.max_seq_len}")
    os.makedirs(args.workdir, exist_ok=True)
    name = "model"
    onnx_path = os.path.join(args.workdir, name + ".onnx")
    t0 = time.time()
    export(model, onnx_path, opset=args.opset, external_data=args.external_data)
    t1 = time.time()
    rng = np.random.default_rng(args.seed)
    tokens = [1] + [int(x) for x in rng.integers(3, cfg.vocab_size, args.seq - 1)]
    try:
        ort_logits, out = run_ort(onnx_path, tokens, os.path.join(args.workdir, name + ".logits.bin"), args.batch)
    except RuntimeError as e:
        die(str(e))
    t2 = time.time()
    with torch.no_grad():
        ref = model(torch.tensor([tokens] * args.batch, dtype=torch.int64)).numpy()
    diff = float(np.abs(ort_logits - ref).max())
    scale = float(np.abs(ref).max())
    ok = diff < args.tol and ort_logits.shape == ref.shape
    print(f"model: {desc}")
    print(f"tokens: {len(tokens)} batch: {args.batch} opset: {args.opset}")
    print(f"ort shape: {list(ort_logits.shape)} torch shape: {list(ref.shape)}")
    print(f"max |logit|: {scale:.4f}")
    print(f"max abs diff ort-vs-torch: {diff:.3e} (tol {args.tol:g}) {'OK' if ok else 'FAIL'}")
    print(f"argmax agreement: {float((ort_logits.argmax(-1) == ref.argmax(-1)).mean()):.4f}")
    print(f"time: export {t1 - t0:.2f} s, ort (incl. load) {t2 - t1:.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
