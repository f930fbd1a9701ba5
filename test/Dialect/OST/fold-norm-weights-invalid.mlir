// RUN: ost-opt %s --ost-fold-norm-weights --split-input-file -verify-diagnostics | FileCheck %s
// Norms ost-fold-norm-weights must leave alone: each gets a warning naming
// the reason and keeps its weight; the pass still succeeds.

// CHECK-LABEL: func @negative_residual_user
// CHECK: ost.rms_norm %{{.*}} weight
func.func @negative_residual_user(%x: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %g = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  // expected-warning @+1 {{norm not folded: its result is used by 'ost.add' other than as a linear layer's input}}
  %n = ost.rms_norm %x weight %g : tensor<1x2x2xf32>, tensor<2xf32>
  // expected-note @+1 {{consumer here}}
  %r = ost.add %n, %x : tensor<1x2x2xf32>
  return %r : tensor<1x2x2xf32>
}

// -----

// CHECK-LABEL: func @negative_weight_argument
// CHECK: ost.rms_norm %{{.*}} weight
func.func @negative_weight_argument(%x: tensor<1x2x2xf32>, %w: tensor<2x2xf32>) -> tensor<1x2x2xf32> {
  %g = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  // expected-warning @+1 {{norm not folded: a consuming weight is not an f32 constant}}
  %n = ost.rms_norm %x weight %g : tensor<1x2x2xf32>, tensor<2xf32>
  // expected-note @+1 {{consumer here}}
  %q = ost.linear %n, %w : tensor<1x2x2xf32>, tensor<2x2xf32> -> tensor<1x2x2xf32>
  return %q : tensor<1x2x2xf32>
}

// -----

// CHECK-LABEL: func @negative_gamma_argument
// CHECK: ost.rms_norm %{{.*}} weight
func.func @negative_gamma_argument(%x: tensor<1x2x2xf32>, %g: tensor<2xf32>) -> tensor<1x2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  // expected-warning @+1 {{norm weight is not an f32 constant; not folded}}
  %n = ost.rms_norm %x weight %g : tensor<1x2x2xf32>, tensor<2xf32>
  %q = ost.linear %n, %w : tensor<1x2x2xf32>, tensor<2x2xf32> -> tensor<1x2x2xf32>
  return %q : tensor<1x2x2xf32>
}

// -----

// The norm as the *weight* of a linear is not a foldable consumer.
// CHECK-LABEL: func @negative_norm_as_weight
func.func @negative_norm_as_weight(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %g = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  // expected-warning @+1 {{norm not folded: its result is used by 'ost.linear' other than as a linear layer's input}}
  %n = ost.rms_norm %x weight %g : tensor<2x2xf32>, tensor<2xf32>
  // expected-note @+1 {{consumer here}}
  %q = ost.linear %x, %n : tensor<2x2xf32>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %q : tensor<2x2xf32>
}
