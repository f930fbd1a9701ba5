// RUN: ost-opt --allow-unregistered-dialect --ost-raise-onnx --split-input-file %s | FileCheck %s
// The importer's raising patterns on hand-written stage-1 IR.

// A decomposed RMSNorm (Pow, ReduceMean, Add, Sqrt, Div, Mul by the weight),
// a linear layer whose role and layer come from the node name, and SiLU.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %[[X:.+]]: tensor<1x3x4xf32>)
// CHECK:         %[[N:.+]] = ost.rms_norm %[[X]] weight %{{.+}} {epsilon = 9.9999997473787516E-6 : f64} : tensor<1x3x4xf32>, tensor<4xf32>
// CHECK:         %[[G:.+]] = ost.linear %[[N]], %{{.+}} {layer = 3 : i64, role = #ost.role<gate_proj>} : tensor<1x3x4xf32>, tensor<4x4xf32> -> tensor<1x3x4xf32>
// CHECK:         %[[A:.+]] = ost.silu %[[G]] : tensor<1x3x4xf32>
// CHECK:         return %[[A]]
// CHECK-NOT:     "onnx.
func.func @forward(%x: tensor<1x3x4xf32>) -> tensor<1x3x4xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-05> : tensor<f32>
  %g = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0],
                             [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %p = "onnx.Pow"(%x, %two) : (tensor<1x3x4xf32>, tensor<f32>) -> tensor<1x3x4xf32>
  %m = "onnx.ReduceMean"(%p) {axes = array<i64: -1>, keepdims = 1 : i64} : (tensor<1x3x4xf32>) -> tensor<1x3x1xf32>
  %e = "onnx.Add"(%m, %eps) : (tensor<1x3x1xf32>, tensor<f32>) -> tensor<1x3x1xf32>
  %s = "onnx.Sqrt"(%e) : (tensor<1x3x1xf32>) -> tensor<1x3x1xf32>
  %d = "onnx.Div"(%x, %s) : (tensor<1x3x4xf32>, tensor<1x3x1xf32>) -> tensor<1x3x4xf32>
  %n = "onnx.Mul"(%d, %g) : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  %lin = "onnx.MatMul"(%n, %w) : (tensor<1x3x4xf32>, tensor<4x4xf32>) -> tensor<1x3x4xf32> loc("/model/layers.3/mlp/gate_proj/MatMul")
  %sig = "onnx.Sigmoid"(%lin) : (tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  %act = "onnx.Mul"(%lin, %sig) : (tensor<1x3x4xf32>, tensor<1x3x4xf32>) -> tensor<1x3x4xf32>
  return %act : tensor<1x3x4xf32>
}

// -----

// A Reshape whose target was computed from Shape/Gather/Concat: the
// contents of the target (onnx.result_contents) say that it is [B, T, 2, 2]
// with B and T the input's sizes (onnx.dim_params), so it splits the last
// dimension: a tensor.expand_shape.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %[[X:.+]]: tensor<?x?x4xf32> {onnx.dim_params = ["B", "T", ""]})
// CHECK:         %[[R:.+]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2, 3]] output_shape [%{{.+}}, %{{.+}}, 2, 2] : tensor<?x?x4xf32> into tensor<?x?x2x2xf32>
// CHECK:         return %[[R]]
// CHECK-NOT:     onnx.result
func.func @forward(%x: tensor<?x?x4xf32> {onnx.dim_params = ["B", "T", ""]}) -> tensor<?x?x2x2xf32> {
  %shape = "onnx.Shape"(%x) {onnx.result_contents = [["B", "T", 4]]} : (tensor<?x?x4xf32>) -> tensor<3xi64>
  %idx = arith.constant dense<[0, 1]> : tensor<2xi64>
  %bt = "onnx.Gather"(%shape, %idx) {axis = 0 : i64, onnx.result_contents = [["B", "T"]]} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %heads = arith.constant dense<[2, 2]> : tensor<2xi64>
  %target = "onnx.Concat"(%bt, %heads) {axis = 0 : i64, onnx.result_contents = [["B", "T", 2, 2]]} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = "onnx.Reshape"(%x, %target) {allowzero = 0 : i64, onnx.result_dims = [["B", "T", 2, 2]]} : (tensor<?x?x4xf32>, tensor<4xi64>) -> tensor<?x?x2x2xf32>
  return %r : tensor<?x?x2x2xf32>
}
