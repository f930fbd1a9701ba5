"""Convert a llama2.c checkpoint to ONNX.

    scripts/python.sh -m ost.export.llama2c IN.bin OUT.onnx [--opset 17] [--external-data] [--kv-cache OUT.cache.onnx]

The checkpoint is loaded into a Hugging-Face-LLaMA-equivalent PyTorch module
(rotate-half RoPE: wq/wk rows are permuted from llama2.c's interleaved layout)
and exported with torch.onnx.export: input `input_ids` int64 [batch, seq],
output `logits` float32 [batch, seq, vocab]. --kv-cache CACHE.onnx also writes
the same model as a graph with a KV cache (ost.export.kvcache).
"""

import argparse
import sys

from ost.export._common import add_export_args, export_graphs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.export.llama2c", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", metavar="IN.bin", help="llama2.c checkpoint (e.g. stories260K.bin)")
    add_export_args(ap)
    args = ap.parse_args(argv)
    return export_graphs(args, argparse.Namespace(llama2c=args.checkpoint, synthetic=None))


if __name__ == "__main__":
    sys.exit(main())
