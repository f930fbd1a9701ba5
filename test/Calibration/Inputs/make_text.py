"""Writes OUT: 40 deterministic short documents separated by <|endoftext|>
(random words from a small list; enough byte-level tokens for calibration
blocks in tests)."""

import random
import sys

WORDS = ("the a cat dog ran sat on mat big small red blue sun moon tree and "
         "saw was happy").split()

rng = random.Random(0)
docs = [" ".join(rng.choice(WORDS) for _ in range(30)) + "." for _ in range(40)]
with open(sys.argv[1], "w") as f:
    f.write("\n<|endoftext|>\n".join(docs) + "\n")
