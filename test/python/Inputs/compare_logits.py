"""Compare ost-run's logits with transformers' and ONNX Runtime's on the same tokens.

    compare_logits.py --reference SRC --onnx MODEL.onnx --ost OST.bin --tokens 1,2,3 [--round-f16] [--tol 1e-4]

SRC (HF directory or GGUF) is run by transformers' LlamaForCausalLM
(ost.export.hf_source.load_hf_model); MODEL.onnx by ONNX Runtime (CPU);
OST.bin is `ost-run logits --out` (raw float32 [T, vocab]). --round-f16
rounds transformers' 2-D weights to float16 first (the reference of a GGUF
written with F16 tensors). Each pair prints max|a - b| / max|b| (the
reference is the second) and OK or FAIL against --tol; exit 1 on any FAIL.
"""

import argparse
import sys

import numpy as np


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b).max() / np.abs(b).max())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--ost", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--round-f16", action="store_true")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    tokens = [int(t) for t in args.tokens.split(",")]

    import onnxruntime as ort
    import torch
    from ost.export.hf_source import load_hf_model, open_source

    hf = load_hf_model(open_source(args.reference))
    if args.round_f16:
        with torch.no_grad():
            for p in hf.parameters():
                if p.dim() == 2:
                    p.copy_(p.half().float())
    with torch.no_grad():
        ref = hf(torch.tensor([tokens])).logits[0].numpy()
    sess = ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
    got_ort = sess.run(["logits"], {"input_ids": np.array([tokens], dtype=np.int64)})[0][0]
    got_ost = np.fromfile(args.ost, dtype="<f4")
    if got_ost.size != ref.size:
        print(f"FAIL: ost logits have {got_ost.size} values, transformers {ref.shape}")
        return 1
    got_ost = got_ost.reshape(ref.shape)
    print(f"transformers logits {list(ref.shape)} max|logit| {np.abs(ref).max():.3f}")
    ok = True
    for name, a, b in (("ort-vs-transformers", got_ort, ref), ("ost-vs-transformers", got_ost, ref),
                       ("ost-vs-ort", got_ost, got_ort)):
        d = rel(a, b)
        ok &= d <= args.tol
        print(f"{name}: max_rel_diff {d:.3e} {'OK' if d <= args.tol else 'FAIL'}")
    agree = float((got_ost.argmax(-1) == ref.argmax(-1)).mean())
    print(f"argmax agreement ost/transformers: {agree:.4f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
