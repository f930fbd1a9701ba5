"""The full PROVENANCE.md figure (not in the default lit run; about 10 s with one torch thread).

    scripts/python.sh python/tests/check_ppl_full.py ../shared/data

stories260K on the first 200 TinyStories validation stories: 74,200 predicted
tokens, mean NLL 1.3079, PPL 3.698. Exits 1 when the tool disagrees.
"""

import json
import subprocess
import sys

from _common import PYTHON_DIR, check, data_paths, finish

model_path, tok_path, text_path = data_paths(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
cmd = [sys.executable, "-m", "ost.reference.perplexity", "--llama2c", model_path, "--tokenizer", tok_path,
       "--text", text_path, "--first", "200", "--json"]
p = subprocess.run(cmd, cwd=PYTHON_DIR, capture_output=True, text=True)
if p.returncode:
    print(p.stderr, file=sys.stderr)
    sys.exit(1)
r = json.loads(p.stdout)
print(f"stories {r['stories']} ({r['long_stories']} longer than 512 tokens), predicted tokens {r['predicted_tokens']}, "
      f"mean NLL {r['mean_nll']:.5f}, PPL {r['ppl']:.4f}, {r['seconds']} s")
check(r["long_stories"] == 14, "14 of the first 200 stories are longer than 512 tokens")
check(r["predicted_tokens"] == 74200, "74,200 predicted tokens")
check(round(r["mean_nll"], 4) == 1.3079, "mean NLL 1.3079 nats/token")
check(round(r["ppl"], 3) == 3.698, "PPL 3.698")
finish()
