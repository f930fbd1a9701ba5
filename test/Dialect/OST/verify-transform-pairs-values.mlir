// RUN: ost-opt %s --ost-verify-transform-pairs=require-values -verify-diagnostics
// With require-values, an uninitialized parameter is an error.

func.func @no_value(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) -> (tensor<2x8xf32>, tensor<4x8xf32>) {
  // expected-error @+1 {{transform parameter 'R_res' has no value; run ost-init-transforms (or calibrate) first}}
  %r = ost.param "R_res" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %y = ost.apply %r to %x : !ost.rotation<8>, tensor<2x8xf32>
  %w1 = ost.transform_weight %w by %r side input : tensor<4x8xf32>, !ost.rotation<8>
  return %y, %w1 : tensor<2x8xf32>, tensor<4x8xf32>
}
