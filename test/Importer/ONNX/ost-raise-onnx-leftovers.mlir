// RUN: not ost-opt --allow-unregistered-dialect --ost-raise-onnx --split-input-file %s 2>&1 | FileCheck %s
// Every op --ost-raise-onnx leaves as onnx.* is reported with its node name
// (the op's name location) and why, as the importer's stage 3 does, and the
// pass fails.

// Without the contents of its target (an argument), the Reshape's result
// sizes are unrelated to its input's.
// CHECK: error: loc("r"): node 'r' (op Reshape): reshape from [?{{[0-9]+}}, 4] to [?{{[0-9]+}}, 2, 2] is neither an expansion nor a collapse of dimensions
func.func @forward(%x: tensor<?x4xf32>, %target: tensor<3xi64>) -> tensor<?x2x2xf32> {
  %r = "onnx.Reshape"(%x, %target) {allowzero = 0 : i64} : (tensor<?x4xf32>, tensor<3xi64>) -> tensor<?x2x2xf32> loc("r")
  return %r : tensor<?x2x2xf32>
}

// -----

// CHECK: error: loc("top"): node 'top' (op TopK): unsupported op
func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %v = "onnx.TopK"(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32> loc("top")
  return %v : tensor<2x4xf32>
}

// -----

// A known op outside any pattern gets the reason of its op type.
// CHECK: error: loc("sm"): node 'sm' (op Softmax): not part of a recognized attention pattern
func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %v = "onnx.Softmax"(%x) {axis = -1 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32> loc("sm")
  return %v : tensor<2x4xf32>
}
