"""Checks the QSUR orderings docs/QSUR.md reports for stories260K.

Reads an `ost-run qsur` report with variants original, folded, hadamard and
womi and prints, per layer, whether
  * activations: original < hadamard at qkv, folded < hadamard at qkv and
    upgate, folded < hadamard at down (the online Hadamard);
  * weights: hadamard < womi at qkv (WOMI's purpose).
Each failing comparison is printed as FAIL with its numbers; the last line is
OK when all hold.
"""

import json
import sys


def main(path):
    report = json.load(open(path))
    failed = False

    def check(label, lower, higher):
        nonlocal failed
        ok = lower < higher
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {lower:.4f} < {higher:.4f}")

    for site in report["sites"]:
        layer, name = site["layer"], site["site"]
        act, wgt = site["log_qsur_per_dim"], site["weight_log_qsur_per_dim"]
        tag = f"layer {layer} {name}"
        if name == "qkv":
            check(f"{tag} activations original < hadamard", act["original"], act["hadamard"])
            check(f"{tag} weights hadamard < womi", wgt["hadamard"], wgt["womi"])
        if name in ("qkv", "upgate", "down"):
            check(f"{tag} activations folded < hadamard", act["folded"], act["hadamard"])
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
