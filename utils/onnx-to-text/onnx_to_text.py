#!/usr/bin/env python3
"""Print an ONNX model in the textual syntax the ost importer reads (.onnxtext).

    scripts/python.sh utils/onnx-to-text/onnx_to_text.py MODEL.onnx > model.onnxtext

The syntax is onnx/defs/parser.h (libonnx 1.12) plus ost's node names in
brackets before a node: `["/layers.0/mlp/Mul"] y = Mul (a, b)`. Value names
that are not identifiers (`/layers.0/Add_output_0`, `embed_tokens.weight`)
are rewritten to identifiers; node names, which carry the layer structure the
importer reads (`/model/layers.3/self_attn/q_proj/MatMul`), are kept.
Initializers are written inline in the graph's value-info section, so keep
models small (the importer's text tests use this for tiny exports of
python/ost/export). Floats are printed so that they read back exactly.

Used to produce test/Importer/ONNX/llama-tiny-opset*.onnxtext from
`python -m ost.export.synthetic ...` (see those files' headers).
"""

from __future__ import annotations

import argparse
import re
import sys

import numpy as np
import onnx
import onnx.parser
from onnx import helper, numpy_helper

_TYPES = {
    onnx.TensorProto.FLOAT: "float", onnx.TensorProto.DOUBLE: "double", onnx.TensorProto.FLOAT16: "float16",
    onnx.TensorProto.BFLOAT16: "bfloat16", onnx.TensorProto.INT8: "int8", onnx.TensorProto.INT16: "int16",
    onnx.TensorProto.INT32: "int32", onnx.TensorProto.INT64: "int64", onnx.TensorProto.UINT8: "uint8",
    onnx.TensorProto.UINT16: "uint16", onnx.TensorProto.UINT32: "uint32", onnx.TensorProto.UINT64: "uint64",
    onnx.TensorProto.BOOL: "bool",
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Namer:
    """Maps value names to unique identifiers."""

    def __init__(self):
        self.map = {}
        self.used = set()

    def __call__(self, name: str) -> str:
        if name == "":
            return ""
        if name in self.map:
            return self.map[name]
        ident = name if _IDENT.match(name) else re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_")
        if not ident or not (ident[0].isalpha() or ident[0] == "_"):
            ident = "v_" + ident
        base, k = ident, 1
        while ident in self.used:
            ident = f"{base}_{k}"
            k += 1
        self.used.add(ident)
        self.map[name] = ident
        return ident


def fmt_float(x) -> str:
    s = repr(float(x))
    if s in ("inf", "-inf", "nan"):
        raise ValueError("the ONNX 1.12 text parser cannot read inf/nan literals")
    if "." not in s and "e" not in s:
        s += ".0"
    return s


def fmt_values(arr: np.ndarray) -> str:
    flat = arr.reshape(-1)
    if arr.dtype.kind == "f":
        return ", ".join(fmt_float(v) for v in flat.astype(np.float32))
    if arr.dtype.kind == "b":
        return ", ".join(str(int(v)) for v in flat)
    return ", ".join(str(int(v)) for v in flat)


def fmt_tensor_type(elem: int, dims) -> str:
    t = _TYPES[elem]
    return f"{t}[{','.join(str(d) for d in dims)}]" if len(dims) else t


def fmt_tensor(t: onnx.TensorProto) -> str:
    arr = numpy_helper.to_array(t)
    return f"{fmt_tensor_type(t.data_type, list(t.dims))} {{{fmt_values(arr)}}}"


def fmt_value_info(vi: onnx.ValueInfoProto, namer: Namer) -> str:
    tt = vi.type.tensor_type
    dims = []
    for d in tt.shape.dim:
        dims.append(d.dim_param if d.HasField("dim_param") else str(d.dim_value))
    shape = f"[{','.join(dims)}]" if tt.HasField("shape") else ""
    return f"{_TYPES[tt.elem_type]}{shape} {namer(vi.name)}"


def fmt_attr(a: onnx.AttributeProto) -> str:
    v = helper.get_attribute_value(a)
    if a.type == onnx.AttributeProto.FLOAT:
        val = fmt_float(v)
    elif a.type == onnx.AttributeProto.INT:
        val = str(v)
    elif a.type == onnx.AttributeProto.STRING:
        val = '"' + v.decode() + '"'
    elif a.type == onnx.AttributeProto.INTS:
        val = "[" + ", ".join(str(x) for x in v) + "]"
    elif a.type == onnx.AttributeProto.FLOATS:
        val = "[" + ", ".join(fmt_float(x) for x in v) + "]"
    elif a.type == onnx.AttributeProto.TENSOR:
        val = fmt_tensor(v)
    else:
        raise ValueError(f"attribute {a.name}: unsupported kind {a.type}")
    return f"{a.name} = {val}"


def to_text(model: onnx.ModelProto) -> str:
    g = model.graph
    namer = Namer()
    opsets = ", ".join(f'"{o.domain}" : {o.version}' for o in model.opset_import)
    lines = [f"<ir_version: {model.ir_version}, opset_import: [{opsets}]>"]
    inits = {t.name for t in g.initializer}
    ins = ", ".join(fmt_value_info(vi, namer) for vi in g.input if vi.name not in inits)
    outs = ", ".join(fmt_value_info(vi, namer) for vi in g.output)
    init_text = ",\n    ".join(f"{fmt_tensor_type(t.data_type, list(t.dims))} {namer(t.name)} = "
                               f"{{{fmt_values(numpy_helper.to_array(t))}}}" for t in g.initializer)
    graph_name = g.name if _IDENT.match(g.name) else "graph"
    lines.append(f"{graph_name} ({ins}) => ({outs})")
    if init_text:
        lines.append(f"  <{init_text}>")
    lines.append("{")
    for n in g.node:
        name = f'["{n.name}"] ' if n.name else ""
        op = f"{n.domain}.{n.op_type}" if n.domain not in ("", "ai.onnx") else n.op_type
        attrs = ", ".join(fmt_attr(a) for a in n.attribute)
        attrs = f" <{attrs}>" if attrs else ""
        outs = ", ".join(namer(o) for o in n.output)
        ins = ", ".join(namer(i) for i in n.input)
        lines.append(f"  {name}{outs} = {op}{attrs} ({ins})")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--header", default="", help="text to put first (e.g. RUN lines), verbatim")
    args = ap.parse_args()
    model = onnx.load(args.model)
    text = to_text(model)
    # Round trip through libonnx's parser to be sure the text reads back.
    onnx.parser.parse_model(re.sub(r'^  \["[^"]*"\] ', "  ", text, flags=re.M))
    sys.stdout.write(args.header + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
