"""Every combination of OSTQuant transform pairs stays equivalent.

For each subset of {res, attn, ffn, qk, ov, ud} (64 subsets), runs

    ost-opt MODEL --ost-transform-pipeline="pairs=... method=random-orthogonal
                                            scales=random seed=N ..."

(fold norms -> insert -> init with random, non-identity parameters -> fold)
and checks with `ost-run compare` that the logits match the original within
the tolerance. The online Hadamards alternate with the subset so both
settings of down-hadamard and qk-hadamard are covered; the full set is also
run with every rotation init (hadamard, womi). Prints one line per run and
`ALL EQUIVALENT` at the end; exits 1 on the first failure.

    scripts/python.sh test/Integration/Inputs/equivalence_matrix.py --opt ost-opt --run ost-run --model M.mlir \
        --tokens 1,2,3 --work DIR [--tolerance 1e-5]
"""

import argparse
import itertools
import os
import re
import subprocess
import sys

PAIRS = ["res", "attn", "ffn", "qk", "ov", "ud"]


def run_one(args, name, options):
    out = os.path.join(args.work, name + ".mlir")
    pipeline = "--ost-transform-pipeline=" + options
    opt = subprocess.run([args.opt, args.model, pipeline, "-o", out],
                         capture_output=True, text=True)
    if opt.returncode != 0:
        print(f"FAIL {name}: ost-opt failed\n{opt.stderr}")
        return False
    cmp = subprocess.run([args.run, "compare", "--model", out, "--reference", args.model,
                          "--tokens", args.tokens, "--tolerance", str(args.tolerance)],
                         capture_output=True, text=True)
    match = re.search(r"max_rel_logit_diff: (\S+)", cmp.stdout)
    value = float(match.group(1)) if match else float("nan")
    ok = cmp.returncode == 0 and match is not None and value <= args.tolerance
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {options} max_rel_logit_diff {value:.3e}")
    if not ok:
        print(cmp.stdout + cmp.stderr)
    os.remove(out)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--opt", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--tolerance", type=float, default=1e-5)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    worst = 0.0
    runs = []
    for mask in range(1 << len(PAIRS)):
        chosen = [p for i, p in enumerate(PAIRS) if mask >> i & 1] or ["none"]
        down = "true" if mask % 2 == 0 else "false"
        qk = "true" if bin(mask).count("1") % 2 == 1 else "false"
        options = (f"pairs={','.join(chosen)} method=random-orthogonal scales=random "
                   f"seed={mask} down-hadamard={down} qk-hadamard={qk}")
        runs.append((f"mask{mask:02d}", options))
    for method in ["hadamard", "womi"]:
        runs.append((f"all-{method}",
                     f"pairs=all method={method} scales=random seed=7 qk-hadamard=true"))
    for name, options in runs:
        if not run_one(args, name, options):
            return 1
    print(f"runs: {len(runs)}")
    print("ALL EQUIVALENT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
