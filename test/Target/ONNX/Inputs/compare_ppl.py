"""Compares `ost-run perplexity` output (a file with `perplexity: P tokens: N`)
with `ost.reference.perplexity --json` output for the same text.

    compare_ppl.py OST.txt ORT.json --max-rel 1e-5

Prints `ost: P`, `ort: P`, `rel_diff: X`; exits 1 when the token counts
differ or the relative difference exceeds --max-rel.
"""

import argparse
import json
import re
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("ost")
    ap.add_argument("ort")
    ap.add_argument("--max-rel", type=float, required=True)
    args = ap.parse_args()
    m = re.search(r"perplexity: ([0-9.]+) tokens: ([0-9]+)", open(args.ost).read())
    if not m:
        print(f"FAIL: no perplexity line in {args.ost}")
        return 1
    ost, tokens = float(m.group(1)), int(m.group(2))
    ref = json.loads(open(args.ort).read().strip().splitlines()[-1])
    rel = abs(ref["ppl"] - ost) / ost
    print(f"ost: {ost:.6f} tokens {tokens}")
    print(f"ort: {ref['ppl']:.6f} tokens {ref['predicted_tokens']}")
    print(f"rel_diff: {rel:.2e}")
    if tokens != ref["predicted_tokens"] or rel > args.max_rel:
        print(f"FAIL: above {args.max_rel:.0e} or different token counts")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
