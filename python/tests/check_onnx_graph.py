"""Structure of an exported LLaMA ONNX graph: I/O, opset, tables, op set, metadata.

usage: check_onnx_graph.py MODEL.onnx OPSET LAYERS [external]
"""

import collections
import os
import sys

from _common import check, finish

import onnx
from onnx import TensorProto

path, opset, layers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
external = len(sys.argv) > 4 and sys.argv[4] == "external"

onnx.checker.check_model(path, full_check=True)
check(True, "onnx.checker (full_check) accepts the model")
m = onnx.load(path, load_external_data=False)
ops = collections.Counter(n.op_type for n in m.graph.node)
meta = {p.key: p.value for p in m.metadata_props}
print("opset:", [(o.domain or "ai.onnx", o.version) for o in m.opset_import])
check(any((o.domain in ("", "ai.onnx")) and o.version == opset for o in m.opset_import), f"default opset is {opset}")

(inp,) = m.graph.input
(out,) = m.graph.output
dims = lambda vi: [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
print("input:", inp.name, TensorProto.DataType.Name(inp.type.tensor_type.elem_type), dims(inp))
print("output:", out.name, TensorProto.DataType.Name(out.type.tensor_type.elem_type), dims(out))
check(inp.name == "input_ids" and inp.type.tensor_type.elem_type == TensorProto.INT64 and
      dims(inp) == ["batch", "seq"], "input_ids int64 [batch, seq]")
V = int(meta.get("ost.vocab_size", -1))
check(out.name == "logits" and out.type.tensor_type.elem_type == TensorProto.FLOAT and
      dims(out) == ["batch", "seq", V], f"logits float32 [batch, seq, {V}]")

inits = {i.name: i for i in m.graph.initializer}
S, hd = int(meta["ost.max_seq_len"]), int(meta["ost.dim"]) // int(meta["ost.n_heads"])
for name, shape in (("rope_cos", [S, hd]), ("rope_sin", [S, hd]), ("causal_mask", [S, S])):
    check(name in inits and list(inits[name].dims) == shape, f"initializer {name} {shape}")
slices = [n for n in m.graph.node if n.op_type == "Slice" and n.input[0] in ("rope_cos", "rope_sin", "causal_mask")]
check(len(slices) == 3, "the cos/sin/mask tables are sliced to the sequence length (no KV cache)")
if external:
    ext = [i.name for i in m.graph.initializer if i.data_location == TensorProto.EXTERNAL]
    locs = {e.value for i in m.graph.initializer for e in i.external_data if e.key == "location"}
    print("external initializers:", len(ext), "files:", sorted(locs))
    check(len(ext) >= 7 * layers and len(locs) == 1 and
          os.path.exists(os.path.join(os.path.dirname(path), locs.pop())), "weights live in one side file")

print("op histogram:", ", ".join(f"{k} {v}" for k, v in sorted(ops.items())))
allowed = {"Constant", "Gather", "Pow", "ReduceMean", "Add", "Sqrt", "Div", "Mul", "MatMul", "Reshape",
           "Transpose", "Slice", "Neg", "Concat", "Softmax", "Sigmoid", "Unsqueeze", "Shape"}
check(set(ops) <= allowed, f"only the expected op types (unexpected: {sorted(set(ops) - allowed)})")
check(ops["Softmax"] == layers and ops["Sigmoid"] == layers, f"one Softmax and one SiLU sigmoid per layer ({layers})")
check(ops["MatMul"] == 9 * layers + 1, "9 MatMuls per layer (7 projections + 2 attention) + the head")
check(ops["ReduceMean"] == 2 * layers + 1, "2 RMSNorms per layer + the final norm")
print("metadata:", ", ".join(f"{k}={v}" for k, v in sorted(meta.items()) if k != "ost.source"))
check(meta.get("ost.rope_style") == "rotate_half" and int(meta["ost.n_layers"]) == layers, "ost.* metadata")
finish()
