"""Options shared by the exporters, forwarded to ost_models.export_onnx."""

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
