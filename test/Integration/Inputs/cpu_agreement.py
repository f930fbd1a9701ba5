"""Compiled CPU models against the reference executor, method by method.

Usage: cpu_agreement.py --bin BUILD/bin --work DIR --onnx M.onnx --text T
                        --tokenizer TOK --bits B[,B...] --methods M[,M...]
                        [--docs A:B] [--context N] [--tokens 1,2,3]

For every method and bit configuration: ost-compile to the quantized OST
module (the reference: `ost-run` evaluates its fake-quant semantics), then
ost-compile that module with --target=cpu to an executable, and check
  * logits of a full forward agree within 1e-3 relative: max|a-b| / max|b|
    within each row, for at least 90% of the rows (token positions); the
    relative error over all rows, ||a-b|| / ||b||, is reported too;
  * the same for prefill + one-token decode steps (the KV-cache path);
  * perplexity on --docs agrees to 3 decimals: |a - b| < 5e-4, or with
    --ppl-rel R, |a - b| / b < R.
Why rows and a relative perplexity bound for quantized activations: a value
that lies within float rounding of a 4-bit level boundary may round to the
neighbouring level in one implementation and not the other (the kernels sum
int4 products exactly in int32, the executor in float through BLAS, whose
blocking - and so rounding - even changes with the number of rows). One such
flip moves that token's logits by up to ~1%; in a 4-bit KV cache it moves every
later token of the window. The executor's own perplexity moves the same way
between runs that only change the BLAS blocking (docs/Codegen.md, "Agreement").
Float and weight-only models are held to 3 decimals.
Prints one line per model and `agree: N/N`; exits 1 on any disagreement.
"""

import argparse
import array
import os
import re
import subprocess
import sys

REL_TOL = 1e-3
PPL_TOL = 5e-4


def run(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0:
        sys.stderr.write("command failed: %s\n%s%s" % (" ".join(cmd),
                                                       proc.stdout, proc.stderr))
        sys.exit(1)
    return proc.stdout


def read_floats(path):
    values = array.array("f")
    with open(path, "rb") as f:
        values.frombytes(f.read())
    return values


def compare(got, ref, vocab):
    """(||a-b|| / ||b||, fraction of rows within REL_TOL, worst row)."""
    if len(got) != len(ref) or not ref or len(ref) % vocab:
        return float("inf"), 0.0, float("inf")
    num = sum((a - b) ** 2 for a, b in zip(got, ref)) ** 0.5
    den = sum(b * b for b in ref) ** 0.5 or 1.0
    rows = len(ref) // vocab
    good, worst = 0, 0.0
    for r in range(rows):
        ra, rb = got[r * vocab:(r + 1) * vocab], ref[r * vocab:(r + 1) * vocab]
        row = max(abs(a - b) for a, b in zip(ra, rb)) / (max(abs(b) for b in rb) or 1.0)
        worst = max(worst, row)
        good += row <= REL_TOL
    return num / den, good / rows, worst


def logits_agree(stats):
    return stats[1] >= 0.9


def perplexity(output):
    m = re.search(r"^perplexity: ([0-9.eE+-]+) tokens: (\d+)", output, re.M)
    if not m:
        sys.stderr.write("no perplexity line in:\n" + output)
        sys.exit(1)
    return float(m.group(1)), int(m.group(2))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--onnx", required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--bits", required=True)
    p.add_argument("--methods", required=True)
    p.add_argument("--calib-docs", default="0:30")
    p.add_argument("--docs", default="30:40")
    p.add_argument("--context", default="64")
    p.add_argument("--seq-len", default="64")
    p.add_argument("--tokens", default="1,72,101,108,108,111,32,119,111,114,108,100,33,10,200,17")
    p.add_argument("--ppl-rel", type=float, default=0.0)
    a = p.parse_args()
    compile_ = os.path.join(a.bin, "ost-compile")
    ost_run = os.path.join(a.bin, "ost-run")
    total = agreed = 0
    for bits in a.bits.split(","):
        for method in a.methods.split(","):
            name = "%s-%s" % (method, bits.lower())
            base = os.path.join(a.work, name)
            run([compile_, a.onnx, "--method=" + method, "--bits=" + bits,
                 "--calib=" + a.text, "--calib-docs=" + a.calib_docs,
                 "--tokenizer=" + a.tokenizer, "--seq-len=" + a.seq_len,
                 "--steps=4", "--samples=8", "--quiet", "-o", base + ".mlir"])
            run([compile_, base + ".mlir", "--method=none", "--target=cpu",
                 "--quiet", "-o", base])
            run([ost_run, "logits", "--model", base + ".mlir", "--tokens",
                 a.tokens, "--out", base + ".ref.bin"])
            run([base, "logits", "--tokens", a.tokens, "--out",
                 base + ".cpu.bin"])
            run([base, "logits", "--tokens", a.tokens, "--decode", "--out",
                 base + ".dec.bin"])
            ref = read_floats(base + ".ref.bin")
            vocab = len(ref) // len(a.tokens.split(","))
            full = compare(read_floats(base + ".cpu.bin"), ref, vocab)
            decode = compare(read_floats(base + ".dec.bin"), ref, vocab)
            common = ["--tokenizer", a.tokenizer, "--text", a.text, "--docs",
                      a.docs, "--context", a.context, "--quiet"]
            ppl_ref, n_ref = perplexity(
                run([ost_run, "perplexity", "--model", base + ".mlir"] + common))
            ppl_cpu, n_cpu = perplexity(run([base, "perplexity"] + common))
            ppl_diff = abs(ppl_ref - ppl_cpu)
            ppl_ok = (ppl_diff / ppl_ref < a.ppl_rel if a.ppl_rel
                      else ppl_diff < PPL_TOL)
            ok = (logits_agree(full) and logits_agree(decode) and
                  n_ref == n_cpu and ppl_ok)
            total += 1
            agreed += ok
            print("%-22s logits_rel %.2e rows_ok %.2f worst_row %.1e "
                  "decode_rel %.2e rows_ok %.2f ppl_ref %.4f ppl_cpu %.4f "
                  "tokens %d %s" % (name, full[0], full[1], full[2], decode[0],
                                    decode[1], ppl_ref, ppl_cpu, n_cpu,
                                    "OK" if ok else "MISMATCH"))
            sys.stdout.flush()
    print("agree: %d/%d" % (agreed, total))
    sys.exit(0 if agreed == total else 1)


if __name__ == "__main__":
    main()
