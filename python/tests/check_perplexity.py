"""Perplexity tool (torch) on the first 20 stories == the value from the independent numpy forward."""

import json
import math
import os
import subprocess
import sys

from _common import PYTHON_DIR, check, data_paths, finish

import numpy as np

from ost.models import llama2c_numpy
from ost.models.llama2c import read_checkpoint
from ost.models.perplexity import read_stories
from ost.models.tokenizer import Tokenizer

model_path, tok_path, text_path = data_paths(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def tool(*extra):
    cmd = [sys.executable, "-m", "ost.reference.perplexity", "--llama2c", model_path, "--tokenizer", tok_path,
           "--text", text_path, "--json"] + list(extra)
    p = subprocess.run(cmd, cwd=PYTHON_DIR, capture_output=True, text=True)
    if p.returncode:
        print(p.stderr)
        sys.exit(1)
    return json.loads(p.stdout)


ck = read_checkpoint(model_path)
tok = Tokenizer.load(tok_path, 512)
for window, skip in ((512, 0), (128, 0), (512, 250)):
    r = tool("--first", str(N), "--skip", str(skip), "--window", str(window))
    nll = np.concatenate([llama2c_numpy.stream_nll(ck, tok.encode(s), window)
                          for s in read_stories(text_path, skip, N)])
    ref_mean = float(nll.mean())
    print(f"stories [{skip}, {skip + N}) window {window}: predicted tokens {r['predicted_tokens']} "
          f"(numpy {nll.size}), mean NLL {r['mean_nll']:.6f} (numpy {ref_mean:.6f}), PPL {r['ppl']:.4f} "
          f"(numpy {math.exp(ref_mean):.4f}), long stories {r['long_stories']}")
    check(r["predicted_tokens"] == nll.size, f"window {window} skip {skip}: same predicted-token count")
    check(abs(r["mean_nll"] - ref_mean) < 1e-5, f"window {window} skip {skip}: mean NLL matches numpy (< 1e-5)")
    if window == 512 and skip == 0:
        print(f"RESULT first{N}: tokens={r['predicted_tokens']} nll={r['mean_nll']:.4f} ppl={r['ppl']:.3f}")
finish()
