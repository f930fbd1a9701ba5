// RUN: ost-opt %s --ost-verify-transform-pairs --split-input-file | FileCheck %s
// RUN: ost-opt %s --ost-verify-transform-pairs=require-values --split-input-file | FileCheck %s --check-prefix=VALUES
// Well-paired transforms pass unchanged.

// R_res applied to the residual (here the embedding table) and folded into
// the consuming weight: a valid pair.
// CHECK-LABEL: func @valid_pairs
// CHECK: ost.apply
// CHECK: ost.transform_weight
// VALUES-LABEL: func @valid_pairs
func.func @valid_pairs(%table: tensor<16x8xf32>, %w: tensor<4x8xf32>) -> (tensor<16x8xf32>, tensor<4x8xf32>) {
  %r = ost.param "R_res" {init = #ost.init<hadamard>, value = dense<0.5> : tensor<8x8xf32>} : !ost.rotation<8>
  %t = ost.apply %r to %table : !ost.rotation<8>, tensor<16x8xf32>
  %w1 = ost.transform_weight %w by %r side input : tensor<4x8xf32>, !ost.rotation<8>
  return %t, %w1 : tensor<16x8xf32>, tensor<4x8xf32>
}

// -----

// A scale folded into a norm weight (apply) and into the consuming linear
// (transform_weight) is valid too; parameters may live in several functions
// as long as names are unique module-wide.
// CHECK-LABEL: func @scale_pair
// VALUES-LABEL: func @scale_pair
func.func @scale_pair(%g: tensor<8xf32>, %w: tensor<4x8xf32>) -> (tensor<8xf32>, tensor<4x8xf32>) {
  %s = ost.param "layers.0.S_attn" {init = #ost.init<ones>, value = dense<1.0> : tensor<8xf32>} : !ost.scale<8>
  %g1 = ost.apply %s to %g inverse : !ost.scale<8>, tensor<8xf32>
  %w1 = ost.transform_weight %w by %s side input inverse : tensor<4x8xf32>, !ost.scale<8>
  return %g1, %w1 : tensor<8xf32>, tensor<4x8xf32>
}
