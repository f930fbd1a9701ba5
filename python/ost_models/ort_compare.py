"""Cross-check an exported ONNX model against the torch model with ONNX Runtime (node).

    cd python && /usr/bin/python3 -m ost_models.ort_compare \
        --llama2c ../../shared/data/models/stories260K.bin --workdir /tmp/ort-check --seq 64 --batch 2

Exports the model (export_onnx.export), runs test/ort/run_ort.mjs on a token
sequence (deterministic, from --seed) and compares ORT's float32 logits with
the torch model's. Prints the max abs diff; exits 1 when it exceeds --tol.
Needs node and scripts/install-ort.sh.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from .common import add_model_args, die, load_model

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_ORT = os.path.join(REPO_ROOT, "test", "ort", "run_ort.mjs")


def run_ort(onnx_path: str, tokens, out_path: str, batch: int = 1, threads: int = 1):
    """Runs run_ort.mjs; returns (logits [batch, T, V] float32, stdout)."""
    node = shutil.which("node")
    if not node:
        raise RuntimeError("node is not on PATH")
    cmd = [node, RUN_ORT, onnx_path, "--tokens", ",".join(str(int(t)) for t in tokens), "--out", out_path,
           "--batch", str(batch), "--threads", str(threads)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"run_ort.mjs failed ({p.returncode}): {p.stderr.strip()}")
    data = np.fromfile(out_path, dtype="<f4")
    return data.reshape(batch, len(tokens), -1), p.stdout


def main(argv=None) -> int:
    import torch

    from .export_onnx import export

    ap = argparse.ArgumentParser(description="ORT (onnxruntime-node) vs torch logits.")
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
    print(f"time: export {t1 - t0:.2f} s, ort (node, incl. load) {t2 - t1:.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
