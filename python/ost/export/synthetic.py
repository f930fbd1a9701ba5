"""Generate a deterministic synthetic LLaMA-architecture model and export it to ONNX.

    scripts/python.sh -m ost.export.synthetic OUT.onnx --dim 2048 --hidden 5632 \\
        --layers 8 --heads 32 --kv-heads 8 --vocab 32000 --outliers 4 --seed 0 [--external-data] \\
        [--kv-cache OUT.cache.onnx]

Same seed, same bytes. With --outliers N, N residual-stream channels carry
activations 20-100x larger than the typical channel at every layer (as real
LLMs do), while the model stays well-behaved; --ffn-outliers adds outliers at
the down_proj input. See docs/Models.md for how the outliers are injected.
--kv-cache also writes the same model as a graph with a KV cache (ost.export.kvcache).
"""

import argparse
import sys

from ost.export._common import add_export_args, export_graphs
from ost.models.llama_torch import SyntheticSpec

_FIELDS = [
    ("dim", "model width d"), ("hidden", "MLP intermediate size"), ("layers", "decoder layers"),
    ("heads", "query heads"), ("kv_heads", "KV heads (GQA when < heads)"), ("vocab", "vocabulary size"),
    ("seq", "context length (rows of the RoPE/mask tables)"),
    ("outliers", "residual channels with outliers (0: none)"),
    ("outlier_max", "strongest outlier, in typical-channel RMS units"),
    ("outlier_min", "weakest outlier (geometric spacing in between)"),
    ("ffn_outliers", "down_proj input channels with outliers"),
    ("ffn_outlier_scale", "size of the MLP outliers"), ("seed", "random seed"),
    ("tie", "1: lm_head shares the embedding"), ("logit_scale", "std of the logits"),
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.export.synthetic", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_export_args(ap)
    defaults = SyntheticSpec()
    for name, help_text in _FIELDS:
        default = getattr(defaults, name)
        ap.add_argument("--" + name.replace("_", "-"), type=type(default), default=default,
                        help=f"{help_text} (default {default})")
    args = ap.parse_args(argv)
    spec = ",".join(f"{name}={getattr(args, name)}" for name, _ in _FIELDS)
    return export_graphs(args, argparse.Namespace(llama2c=None, synthetic=spec))


if __name__ == "__main__":
    sys.exit(main())
