"""The options and the export step shared by the exporters (ost.export.llama2c,
ost.export.synthetic, ost.export.hf)."""

import argparse
from typing import Optional


def add_export_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("output", metavar="OUT.onnx", help="output ONNX file")
    ap.add_argument("--opset", type=int, default=17, help="ONNX opset, 14..17 (default 17)")
    ap.add_argument("--external-data", action="store_true",
                    help="store the weights in OUT.onnx.data next to the model")
    ap.add_argument("--seq-len", type=int, default=0,
                    help="sequence length of the traced example input (the graph accepts any length)")
    ap.add_argument("--max-seq-len", type=int, default=0,
                    help="override the model context (rows of the RoPE/mask tables)")
    ap.add_argument("--static", action="store_true", help="fixed [batch, seq-len] input, no dynamic axes")
    ap.add_argument("--batch", type=int, default=1, help="batch of the traced input")
    ap.add_argument("--kv-cache", metavar="CACHE.onnx", default="",
                    help="also export the same model (same weights) as a graph with a KV cache "
                         "(python/ost/export/kvcache.py describes the graph)")


def export_graphs(args: argparse.Namespace, source: Optional[argparse.Namespace] = None, prebuilt=None) -> int:
    """Exports the model of `source` (a namespace with .llama2c or .synthetic,
    see ost.models.common.load_model) to args.output (ost.export.torch_onnx)
    and, with --kv-cache, the very same torch model as the KV-cache graph.
    prebuilt = (model, description, extra metadata) exports a model the caller
    built instead (ost.export.hf); source is then None."""
    from ost.export.torch_onnx import export_and_report

    model, desc = export_and_report(args, source, prebuilt)
    if not args.kv_cache:
        return 0
    from ost.export.kvcache import export_model

    return export_model(model, args.kv_cache, args.opset, args.external_data, desc)
