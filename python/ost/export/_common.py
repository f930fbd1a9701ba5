"""Options shared by the exporters, forwarded to ost.models.export_onnx."""

import argparse
from typing import List


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
                         "(python -m ost.export.kvcache --help)")


def forward_args(args: argparse.Namespace) -> List[str]:
    argv = ["-o", args.output, "--opset", str(args.opset), "--batch", str(args.batch)]
    if args.external_data:
        argv.append("--external-data")
    if args.seq_len:
        argv += ["--seq-len", str(args.seq_len)]
    if args.max_seq_len:
        argv += ["--max-seq-len", str(args.max_seq_len)]
    if args.static:
        argv.append("--static")
    return argv


def export_graphs(args: argparse.Namespace, source_argv: List[str], prebuilt=None) -> int:
    """Runs ost.models.export_onnx for `source_argv` (--synthetic/--llama2c) and,
    with --kv-cache, exports the very same torch model as the KV-cache graph.
    prebuilt = (model, description, extra metadata) exports a model the caller
    built instead (ost.export.hf); source_argv is then empty."""
    from ost.models import export_onnx

    argv = source_argv + forward_args(args)
    if prebuilt is not None:
        status = export_onnx.main(argv, prebuilt=prebuilt)
        if status or not args.kv_cache:
            return status
        from ost.export.kvcache import export_model

        return export_model(prebuilt[0], args.kv_cache, args.opset, args.external_data, prebuilt[1])
    if not args.kv_cache:
        return export_onnx.main(argv)
    from ost.export.kvcache import export_model

    # Keep the model export_onnx builds (a large synthetic model takes minutes
    # to generate) instead of building it a second time.
    built = []
    load_model = export_onnx.load_model

    def load_and_keep(*a, **kw):
        built.append(load_model(*a, **kw))
        return built[-1]

    export_onnx.load_model = load_and_keep
    try:
        status = export_onnx.main(argv)
    finally:
        export_onnx.load_model = load_model
    if status or not built:
        return status or 1
    model, desc = built[-1]
    return export_model(model, args.kv_cache, args.opset, args.external_data, desc)
