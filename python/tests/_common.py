"""Helpers for the check_*.py scripts run by the lit tests in test/python/."""

import os
import sys

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

_failures = []


def data_paths(shared_data):
    """(model, tokenizer, tinystories text) in shared/data; exits 2 with a clear message when missing."""
    paths = (
        os.path.join(shared_data, "models", "stories260K.bin"),
        os.path.join(shared_data, "models", "stories260K.tok512.bin"),
        os.path.join(shared_data, "text", "tinystories.valid.0-499.txt"),
    )
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        print(f"error: shared data missing: {', '.join(missing)} (expected ../shared/data next to the repo)",
              file=sys.stderr)
        sys.exit(2)
    return paths


def check(cond, what):
    """Prints 'PASS: what' or 'FAIL: what' and remembers failures for finish()."""
    print(("PASS: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        _failures.append(what)
    return cond


def finish():
    if _failures:
        print(f"{len(_failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("ALL PASSED")
    sys.exit(0)


def quiet_torch():
    """One torch thread and glibc malloc tuning (fast and deterministic for tiny models)."""
    import torch

    from ost.models.common import tune_malloc

    tune_malloc()
    torch.set_num_threads(1)
