// RUN: ost-opt %s --canonicalize --split-input-file | FileCheck %s
// Folders and canonicalization patterns of the OST dialect.

// A transform followed by its inverse is the identity (both orders).
// CHECK-LABEL: func @apply_then_inverse
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-NOT: ost.apply
// CHECK: return %[[X]], %[[X]]
func.func @apply_then_inverse(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %r = ost.param "r" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %a = ost.apply %r to %x : !ost.rotation<8>, tensor<2x8xf32>
  %b = ost.apply %r to %a inverse : !ost.rotation<8>, tensor<2x8xf32>
  %s = ost.param "s" {init = #ost.init<ones>} : !ost.scale<8>
  %c = ost.apply %s to %x inverse : !ost.scale<8>, tensor<2x8xf32>
  %d = ost.apply %s to %c : !ost.scale<8>, tensor<2x8xf32>
  return %b, %d : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Different transforms do not cancel.
// CHECK-LABEL: func @negative_apply_different_transforms
// CHECK-COUNT-2: ost.apply
func.func @negative_apply_different_transforms(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = ost.param "r" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %q = ost.param "q" {init = #ost.init<hadamard, seed = 1>} : !ost.rotation<8>
  %a = ost.apply %r to %x : !ost.rotation<8>, tensor<2x8xf32>
  %b = ost.apply %q to %a inverse : !ost.rotation<8>, tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}

// -----

// The same transform applied twice is not the identity.
// CHECK-LABEL: func @negative_apply_twice
// CHECK-COUNT-2: ost.apply
func.func @negative_apply_twice(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = ost.param "r" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %a = ost.apply %r to %x : !ost.rotation<8>, tensor<2x8xf32>
  %b = ost.apply %r to %a : !ost.rotation<8>, tensor<2x8xf32>
  return %b : tensor<2x8xf32>
}

// -----

// transform_weight by T then by T⁻¹ on the same side cancels.
// CHECK-LABEL: func @transform_weight_then_inverse
// CHECK-SAME: (%[[W:.*]]: tensor<4x8xf32>)
// CHECK-NOT: ost.transform_weight
// CHECK: return %[[W]]
func.func @transform_weight_then_inverse(%w: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = ost.param "r" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %a = ost.transform_weight %w by %r side input : tensor<4x8xf32>, !ost.rotation<8>
  %b = ost.transform_weight %a by %r side input inverse : tensor<4x8xf32>, !ost.rotation<8>
  return %b : tensor<4x8xf32>
}

// -----

// Opposite sides of a square weight do not cancel.
// CHECK-LABEL: func @negative_transform_weight_sides
// CHECK-COUNT-2: ost.transform_weight
func.func @negative_transform_weight_sides(%w: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %r = ost.param "r" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %a = ost.transform_weight %w by %r side input : tensor<8x8xf32>, !ost.rotation<8>
  %b = ost.transform_weight %a by %r side output inverse : tensor<8x8xf32>, !ost.rotation<8>
  return %b : tensor<8x8xf32>
}

// -----

// An applied fixed Hadamard becomes an online Hadamard; its inverse the
// transposed one; and 𝓗ᵀ𝓗 folds away.
// CHECK-LABEL: func @apply_hadamard_is_online
// CHECK-SAME: (%[[X:.*]]: tensor<2x12xf32>)
// CHECK: %[[H:.*]] = ost.online_hadamard %[[X]] : tensor<2x12xf32>
// CHECK: %[[T:.*]] = ost.online_hadamard %[[X]] transpose : tensor<2x12xf32>
// CHECK: return %[[H]], %[[T]], %[[X]]
func.func @apply_hadamard_is_online(%x: tensor<2x12xf32>) -> (tensor<2x12xf32>, tensor<2x12xf32>, tensor<2x12xf32>) {
  %h = ost.hadamard : !ost.hadamard<12>
  %a = ost.apply %h to %x : !ost.hadamard<12>, tensor<2x12xf32>
  %b = ost.apply %h to %x inverse : !ost.hadamard<12>, tensor<2x12xf32>
  %c = ost.online_hadamard %x : tensor<2x12xf32>
  %d = ost.online_hadamard %c transpose : tensor<2x12xf32>
  return %a, %b, %d : tensor<2x12xf32>, tensor<2x12xf32>, tensor<2x12xf32>
}

// -----

// Two online Hadamards in the same direction do not cancel (𝓗𝓗 ≠ I for K > 1).
// CHECK-LABEL: func @negative_online_hadamard_twice
// CHECK-COUNT-2: ost.online_hadamard
func.func @negative_online_hadamard_twice(%x: tensor<2x12xf32>) -> tensor<2x12xf32> {
  %c = ost.online_hadamard %x : tensor<2x12xf32>
  %d = ost.online_hadamard %c : tensor<2x12xf32>
  return %d : tensor<2x12xf32>
}

// -----

// Double transpose: composes, or cancels.
// CHECK-LABEL: func @double_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x4xf32>)
// CHECK: %[[T:.*]] = ost.transpose %[[X]] [0, 2, 3, 1] : tensor<1x2x3x4xf32> -> tensor<1x3x4x2xf32>
// CHECK-NOT: ost.transpose
// CHECK: return %[[X]], %[[T]]
func.func @double_transpose(%x: tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x3x4x2xf32>) {
  %a = ost.transpose %x [0, 2, 1, 3] : tensor<1x2x3x4xf32> -> tensor<1x3x2x4xf32>
  %b = ost.transpose %a [0, 2, 1, 3] : tensor<1x3x2x4xf32> -> tensor<1x2x3x4xf32>
  %c = ost.transpose %a [0, 1, 3, 2] : tensor<1x3x2x4xf32> -> tensor<1x3x4x2xf32>
  return %b, %c : tensor<1x2x3x4xf32>, tensor<1x3x4x2xf32>
}

// -----

// The identity permutation folds.
// CHECK-LABEL: func @identity_transpose
// CHECK-NOT: ost.transpose
func.func @identity_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = ost.transpose %x [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %a : tensor<2x3xf32>
}

// -----

// A norm weight of all ones is dropped.
// CHECK-LABEL: func @unit_norm_weight
// CHECK: ost.rms_norm %{{.*}} : tensor<2x8xf32>
// CHECK-NOT: weight
func.func @unit_norm_weight(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %one = arith.constant dense<1.0> : tensor<8xf32>
  %n = ost.rms_norm %x weight %one : tensor<2x8xf32>, tensor<8xf32>
  return %n : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @negative_norm_weight
// CHECK: ost.rms_norm %{{.*}} weight %{{.*}}
func.func @negative_norm_weight(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %two = arith.constant dense<2.0> : tensor<8xf32>
  %n = ost.rms_norm %x weight %two : tensor<2x8xf32>, tensor<8xf32>
  return %n : tensor<2x8xf32>
}

// -----

// Unused transform parameters and dead model ops are removed (all ops Pure).
// CHECK-LABEL: func @dead_code
// CHECK-NOT: ost.
// CHECK: return
func.func @dead_code(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  %r = ost.param "r" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %y = ost.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return
}
