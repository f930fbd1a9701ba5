"""Export a torch LLaMA module (ost.models.llama_torch) to ONNX: the library
behind the exporters (ost.export.llama2c, ost.export.synthetic, ost.export.hf),
which own the command lines.

Graph: input `input_ids` int64 [batch, seq], output `logits` float32
[batch, seq, vocab] (batch and seq are dynamic axes unless static). The RoPE
cos/sin tables [max_seq, head_dim] and the additive causal mask
[max_seq, max_seq] are initializers sliced to the sequence length; there is no
KV cache (ost.export.kvcache writes that graph). The model's shape and origin
are recorded in metadata_props (ost.*). onnx.checker runs on the result;
export_and_report prints the op-type histogram.
"""

from __future__ import annotations

import collections
import io
import tempfile
import os
import time
import warnings

from ost.models.common import die, load_model


def export(model, out_path: str, opset: int = 17, seq_len: int = 0, batch: int = 1, static: bool = False,
           external_data: bool = False, metadata: dict = None, verbose: bool = False):
    """Exports `model` to `out_path`; returns the checked onnx.ModelProto (without external weights loaded)."""
    import onnx
    import torch

    cfg = model.config
    trace_len = seq_len or min(cfg.max_seq_len, 16)
    if trace_len > cfg.max_seq_len:
        raise ValueError(f"--seq-len {trace_len} exceeds the model context {cfg.max_seq_len}")
    # A trace sequence of length > 1 keeps the Slice of the tables symbolic.
    dummy = torch.arange(batch * trace_len, dtype=torch.int64).reshape(batch, trace_len) % cfg.vocab_size
    dynamic_axes = None if static else {"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    model.eval()

    def run_export(target):
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TracerWarnings about the shape-dependent slice
            torch.onnx.export(model, (dummy,), target, input_names=["input_ids"], output_names=["logits"],
                              dynamic_axes=dynamic_axes, opset_version=opset, do_constant_folding=True,
                              verbose=verbose,
                              # torch >= 2.9 defaults to the dynamo exporter (opset 18+, onnxscript's
                              # decompositions); these graphs are the TorchScript exporter's, opsets 14-17.
                              dynamo=False)

    if external_data:
        # Export to a file: models over protobuf's 2 GiB limit only serialize
        # with torch writing external data itself; re-saved below as one file.
        with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
            tmp_path = os.path.join(tmp, "model.onnx")
            run_export(tmp_path)
            proto = onnx.load(tmp_path)  # reads torch's external tensors
    else:
        buf = io.BytesIO()
        run_export(buf)
        proto = onnx.load_model_from_string(buf.getvalue())
    proto.producer_name = "ost.export"
    meta = {
        "ost.dim": cfg.dim, "ost.hidden_dim": cfg.hidden_dim, "ost.n_layers": cfg.n_layers,
        "ost.n_heads": cfg.n_heads, "ost.n_kv_heads": cfg.n_kv_heads, "ost.vocab_size": cfg.vocab_size,
        "ost.max_seq_len": cfg.max_seq_len, "ost.norm_eps": cfg.norm_eps, "ost.rope_theta": cfg.rope_theta,
        "ost.rope_style": "rotate_half", "ost.tie_embeddings": int(cfg.tie_embeddings),
    }
    meta.update(metadata or {})
    save_checked(proto, out_path, meta, external_data)
    return onnx.load(out_path, load_external_data=False)


def save_checked(proto, out_path: str, meta: dict, external_data: bool) -> None:
    """Replaces `proto`'s metadata_props by `meta`, saves it to `out_path`
    (weights in OUT.data with `external_data`) and runs onnx.checker on the
    file (the path form follows external data)."""
    import onnx

    del proto.metadata_props[:]
    for k, v in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, str(v)
    if external_data:
        out_dir = os.path.dirname(os.path.abspath(out_path))
        location = os.path.basename(out_path) + ".data"
        if os.path.exists(os.path.join(out_dir, location)):
            os.remove(os.path.join(out_dir, location))  # onnx appends to an existing file
        onnx.save_model(proto, out_path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=location, size_threshold=1024)
    else:
        onnx.save_model(proto, out_path)
    onnx.checker.check_model(out_path, full_check=True)


def op_histogram(proto) -> collections.Counter:
    hist = collections.Counter()

    def walk(graph):
        for n in graph.node:
            hist[n.op_type] += 1
            for a in n.attribute:
                if a.g is not None and a.g.node:
                    walk(a.g)
                for g in a.graphs:
                    walk(g)

    walk(proto.graph)
    return hist


def check_options(opset: int, static: bool, seq_len: int) -> None:
    """Exits 1 with a message for options no model can be exported with."""
    if not 14 <= opset <= 17:
        die(f"--opset {opset}: supported range is 14..17 (torch {__import__('torch').__version__})")
    if static and not seq_len:
        die("--static needs --seq-len")


def export_and_report(args, source=None, prebuilt=None):
    """Builds the model of `source` (a namespace with .llama2c or .synthetic, as
    ost.models.common.load_model takes) or takes prebuilt = (model, description,
    extra metadata), exports it to args.output with the exporters' options
    (args.opset, .seq_len, .max_seq_len, .batch, .static, .external_data) and
    prints the report. Returns (model, description); exits 1 on bad input."""
    check_options(args.opset, args.static, args.seq_len)
    t0 = time.time()
    if prebuilt:
        model, desc, extra = prebuilt
    else:
        (model, desc), extra = load_model(source, args.max_seq_len or None), {}
    t1 = time.time()
    try:
        proto = export(model, args.output, opset=args.opset, seq_len=args.seq_len, batch=args.batch,
                       static=args.static, external_data=args.external_data, metadata={"ost.source": desc, **extra})
    except ValueError as e:
        die(str(e))
    t2 = time.time()
    cfg = model.config
    n_params = sum(p.numel() for p in model.parameters())
    hist = op_histogram(proto)
    size = os.path.getsize(args.output)
    data_path = args.output + ".data"
    print(f"model: {desc}")
    print(f"config: dim={cfg.dim} hidden={cfg.hidden_dim} layers={cfg.n_layers} heads={cfg.n_heads} "
          f"kv_heads={cfg.n_kv_heads} vocab={cfg.vocab_size} max_seq={cfg.max_seq_len} "
          f"tied={int(cfg.tie_embeddings)} params={n_params}")
    print(f"wrote {args.output} ({size} bytes"
          + (f", weights in {os.path.basename(data_path)} {os.path.getsize(data_path)} bytes" if args.external_data else "")
          + f"), opset {args.opset}, onnx.checker: ok")
    print(f"inputs: " + ", ".join(f"{i.name}{_shape(i)}" for i in proto.graph.input))
    print(f"outputs: " + ", ".join(f"{o.name}{_shape(o)}" for o in proto.graph.output))
    print(f"initializers: {len(proto.graph.initializer)}  nodes: {sum(hist.values())}")
    print("op histogram:")
    for op, n in sorted(hist.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {op:12s} {n}")
    print(f"time: build {t1 - t0:.2f} s, export+check {t2 - t1:.2f} s")
    return model, desc


def _shape(vi) -> str:
    dims = []
    for d in vi.type.tensor_type.shape.dim:
        dims.append(d.dim_param if d.dim_param else str(d.dim_value))
    return "[" + ",".join(dims) + "]"

