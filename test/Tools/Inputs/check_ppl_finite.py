"""check_ppl_finite.py A.ppl B.ppl ...: every file holds an ost-run
`perplexity: X` line with a finite X >= 1 (the quantized modules run and
score every token; the synthetic model is untrained, so no ordering is
expected)."""

import math
import re
import sys

for path in sys.argv[1:]:
    m = re.search(r"^perplexity: (\S+)", open(path).read(), re.M)
    if not m:
        sys.exit(f"{path}: no perplexity line")
    q = float(m.group(1))
    if not (math.isfinite(q) and q >= 1.0):
        sys.exit(f"{path}: perplexity {q} is not a finite value >= 1")
    print(f"{path.rsplit('/', 1)[-1]}: {q:.4f}")
