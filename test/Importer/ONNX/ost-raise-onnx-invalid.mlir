// RUN: ost-opt --allow-unregistered-dialect --ost-raise-onnx --split-input-file --verify-diagnostics %s
// Malformed symbolic-shape annotations are refused by --ost-raise-onnx
// (ost-raise-onnx-leftovers.mlir: ops no pattern raised).

func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @below {{'onnx.result_dims' entry 1 (5 : i64) must be a size or a name, and equal the static size of 'tensor<?x4xf32>'}}
  %v = "onnx.Sigmoid"(%x) {onnx.result_dims = [["T", 5]]} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %v : tensor<?x4xf32>
}

// -----

func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @below {{'onnx.result_dims' must hold one entry per result (1), got [["T", 4], ["T", 4]]}}
  %v = "onnx.Sigmoid"(%x) {onnx.result_dims = [["T", 4], ["T", 4]]} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %v : tensor<?x4xf32>
}

// -----

func.func @forward(%x: tensor<2xi64>) -> tensor<2xi64> {
  // expected-error @below {{'onnx.result_contents' element 1.500000e+00 : f32 is neither an integer nor a name}}
  %v = "onnx.Identity"(%x) {onnx.result_contents = [["B", 1.5 : f32]]} : (tensor<2xi64>) -> tensor<2xi64>
  return %v : tensor<2xi64>
}

// -----

// expected-error @below {{'onnx.dims' of 'tensor<?x4xf32>' must be an array of one size or name per dimension, got ["B"]}}
func.func @forward(%x: tensor<?x4xf32> {onnx.dims = ["B"]}) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @below {{'onnx.dim_params' of argument 0 must hold one name per dimension of 'tensor<?x4xf32>', got ["B", 4]}}
func.func @forward(%x: tensor<?x4xf32> {onnx.dim_params = ["B", 4]}) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
