"""Writes small ONNX models whose weights are external data, for
external-data.test: one folder per case under the given directory.

    ok/        model.onnx + weights.bin (W at offset 16, b inline)
    escape/    location "../outside.bin"
    absolute/  location "<absolute path of a real file>"
    symlink/   location "link.bin", a symbolic link to a file outside
    truncated/ weights.bin shorter than the tensor
    missing/   weights.bin absent
    badlength/ length entry that does not match the tensor
    garbage/   model.onnx is not a protobuf
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

K, N = 8, 16


def model(location, length=None, offset=16):
    w = TensorProto()
    w.name = "layers.0.mlp.up_proj.weight"
    w.data_type = TensorProto.FLOAT
    w.dims.extend([K, N])
    w.data_location = TensorProto.EXTERNAL
    for key, value in [("location", location), ("offset", str(offset)),
                       ("length", str(K * N * 4 if length is None else length))]:
        e = w.external_data.add()
        e.key, e.value = key, value
    b = numpy_helper.from_array(np.arange(N, dtype=np.float32) * 0.5, "b")
    nodes = [helper.make_node("MatMul", ["x", w.name], ["mm"], name="/model/layers.0/mlp/up_proj/MatMul"),
             helper.make_node("Add", ["mm", "b"], ["y"], name="/model/layers.0/mlp/up_proj/Add")]
    graph = helper.make_graph(nodes, "ext", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", K])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", N])], [w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def weights():
    # W[k, n] = k + n / 100: the transposed weight starts 0, 1, 2, ...
    w = (np.arange(K)[:, None] + np.arange(N)[None, :] / 100.0).astype(np.float32)
    return b"\xAB" * 16 + w.tobytes()


def write(root, case, m, files=()):
    d = os.path.join(root, case)
    os.makedirs(d, exist_ok=True)
    for name, data in files:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(m.SerializeToString())
    return d


def main(root):
    write(root, "ok", model("weights.bin"), [("weights.bin", weights())])
    with open(os.path.join(root, "outside.bin"), "wb") as f:
        f.write(weights())
    write(root, "escape", model("../outside.bin"))
    write(root, "absolute", model(os.path.abspath(os.path.join(root, "outside.bin"))))
    d = write(root, "symlink", model("link.bin"))
    link = os.path.join(d, "link.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.abspath(os.path.join(root, "outside.bin")), link)
    write(root, "truncated", model("weights.bin"), [("weights.bin", weights()[:300])])
    write(root, "missing", model("weights.bin"))
    write(root, "badlength", model("weights.bin", length=100), [("weights.bin", weights())])
    d = os.path.join(root, "garbage")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(b"\x08\x07\x12\xff\xff\xff\xff\x0fnot a model")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
