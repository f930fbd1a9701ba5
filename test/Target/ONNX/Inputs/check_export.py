"""Checks an `ost-compile --target=onnx` file and compares its logits with
`ost-run logits` of the quantized module on the same tokens.

    check_export.py MODEL.onnx OST_LOGITS.bin --tokens 1,2,3 --max-rel 1e-4

Runs onnx.checker (full check, with shape inference), then ONNX Runtime
(every optimization; fused QDQ MatMuls with float activations, as
ost.reference.ort_run) and prints the op histogram's quantized ops, then
`max_rel_diff: X` (max |a-b| / max |b|) and `argmax_agree: K/N`; exits 1
above --max-rel.
"""

import argparse
import collections
import sys

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("reference")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--max-rel", type=float, required=True)
    args = ap.parse_args()
    import onnx
    import onnxruntime as ort

    proto = onnx.load(args.model)
    onnx.checker.check_model(proto, full_check=True)
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    print("checker: ok")
    for op in ("MatMulNBits", "DequantizeLinear", "MatMul", "Round", "Trilu"):
        print(f"ops {op}: {ops.get(op, 0)}")
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")
    sess = ort.InferenceSession(args.model, opts, providers=["CPUExecutionProvider"])
    ids = np.array([[int(t) for t in args.tokens.split(",")]], dtype=np.int64)
    got = sess.run(None, {"input_ids": ids})[0].reshape(ids.shape[1], -1).astype(np.float64)
    ref = np.fromfile(args.reference, dtype="<f4").astype(np.float64)
    if ref.size != got.size:
        print(f"FAIL: {ref.size} reference logits, {got.size} from ONNX Runtime")
        return 1
    ref = ref.reshape(got.shape)
    rel = float(np.abs(got - ref).max() / np.abs(ref).max())
    print(f"max_rel_diff: {rel:.3e}")
    print(f"argmax_agree: {int((got.argmax(1) == ref.argmax(1)).sum())}/{got.shape[0]}")
    if not np.isfinite(rel) or rel > args.max_rel:
        print(f"FAIL: {rel:.3e} > {args.max_rel:.1e}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
