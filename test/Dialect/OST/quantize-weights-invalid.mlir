// RUN: ost-opt %s --ost-quantize-weights --split-input-file -verify-diagnostics
// RUN: not ost-opt %s --ost-quantize-weights=bits=3 --split-input-file 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not ost-opt %s --ost-quantize-weights="group=-2" --split-input-file 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not ost-opt %s --ost-quantize-weights="clip-search=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=SEARCH
// RUN: not ost-opt %s --ost-quantize-weights="group=4" --split-input-file 2>&1 | FileCheck %s --check-prefix=DIVIDE

// BITS: error: ost-quantize-weights: bits must be 2, 4 or 8 (ost.qlinear packs levels into bytes), got 3
// GROUP: error: ost-quantize-weights: group must be >= 0 and clip-search a non-negative error exponent, got group=-2 clip-search=2.4
// SEARCH: error: ost-quantize-weights: group must be >= 0 and clip-search a non-negative error exponent, got group=0 clip-search=-1
// DIVIDE: error: cannot quantize the weight of this linear: group size 4 does not divide the 6 input columns

// A weight that is not a constant cannot be quantized.
func.func @negative_argument_weight(%x: tensor<1x3x8xf32>, %w: tensor<2x8xf32>) -> tensor<1x3x2xf32> {
  // expected-error @+1 {{cannot quantize the weight of this linear: it is not an f32 constant; run ost-fold-transforms first}}
  %y = ost.linear %x, %w {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}

// -----

// Unfolded transforms: the weight is still a transform_weight chain.
func.func @negative_unfolded(%x: tensor<1x3x8xf32>) -> tensor<1x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x8xf32>
  %s = ost.param "layers.0.S_attn" {init = #ost.init<ones>, value = dense<2.0> : tensor<8xf32>} : !ost.scale<8>
  %ws = ost.transform_weight %w by %s side input inverse : tensor<2x8xf32>, !ost.scale<8>
  // expected-error @+1 {{cannot quantize the weight of this linear: it is not an f32 constant but an ost.transform_weight chain; run ost-fold-transforms first}}
  %y = ost.linear %x, %ws {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}

// -----

// Weights are checked before anything is rewritten: the first linear stays
// an ost.linear when the second fails.
func.func @negative_second_weight(%x: tensor<1x3x8xf32>, %w2: tensor<2x8xf32>) -> (tensor<1x3x2xf32>, tensor<1x3x2xf32>) {
  %w1 = arith.constant dense<0.5> : tensor<2x8xf32>
  %y1 = ost.linear %x, %w1 {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  // expected-error @+1 {{cannot quantize the weight of this linear}}
  %y2 = ost.linear %x, %w2 {role = #ost.role<k_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  return %y1, %y2 : tensor<1x3x2xf32>, tensor<1x3x2xf32>
}

// -----

// Quantized with the defaults; with group=4 (DIVIDE) the group size does
// not divide the 6 input features.
func.func @group_must_divide(%x: tensor<1x3x6xf32>) -> tensor<1x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x6xf32>
  %y = ost.linear %x, %w {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x6xf32>, tensor<2x6xf32> -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}

// -----

// A linear that is neither part of a recognized block nor has a role stays
// in floating point, with a warning.
func.func @negative_unknown_linear(%x: tensor<1x3x8xf32>) -> tensor<1x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x8xf32>
  // expected-warning @+1 {{this ost.linear stays in floating point: it is not a q/k/v/o/gate/up/down projection of a recognized decoder block and has no role}}
  %y = ost.linear %x, %w : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}
