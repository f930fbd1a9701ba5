// RUN: ost-opt %s --ost-init-transforms | FileCheck %s
// RUN: ost-opt %s --ost-init-transforms="method=random-orthogonal scales=random overwrite=true seed=5" | FileCheck %s --check-prefix=RAND
// RUN: ost-opt %s --ost-init-transforms="method=identity" | FileCheck %s --check-prefix=EYE
// RUN: ost-opt %s --ost-init-transforms="seed=9" | ost-opt --ost-init-transforms="method=identity" | FileCheck %s --check-prefix=KEEP

// Each parameter follows its own init attribute by default. Hadamard
// rotations are ±1/sqrt(n) everywhere (per block for a block rotation),
// scales start at one, and a parameter that already holds a value keeps it.
// CHECK-LABEL: func.func @params
// CHECK: ost.param "R" {init = #ost.init<hadamard, seed = 3>, value = dense<{{\[\[}}[[H:-?5\.000000e-01]], [[H]]
// CHECK-NOT: 0.000000e+00
// CHECK-SAME: : tensor<4x4xf32>} : !ost.rotation<4>
// CHECK: ost.param "I" {init = #ost.init<identity>, value = dense<{{\[\[}}1.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>}
// CHECK: ost.param "B" {init = #ost.init<hadamard>, value = dense<{{\[\[\[}}{{-?}}0.707106769, {{-?}}0.707106769], [{{-?}}0.707106769, {{-?}}0.707106769]], [{{\[}}{{-?}}0.707106769, {{-?}}0.707106769], [{{-?}}0.707106769, {{-?}}0.707106769]]]> : tensor<2x2x2xf32>}
// CHECK: ost.param "S" {init = #ost.init<ones>, value = dense<1.000000e+00> : tensor<4xf32>}
// CHECK: ost.param "K" {init = #ost.init<ones>, value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>}

// method= overrides every rotation; random scales are not all one; with
// overwrite even "K" is re-initialized.
// RAND-LABEL: func.func @params
// RAND: ost.param "R" {init = #ost.init<random_orthogonal, seed = 8>, value = dense<{{\[\[}}{{-?}}0.{{[0-9]+}},
// RAND: ost.param "I" {init = #ost.init<random_orthogonal, seed = 5>
// RAND: ost.param "B" {init = #ost.init<random_orthogonal, seed = 5>
// RAND: ost.param "S" {init = #ost.init<ones>, value = dense<[
// RAND-NOT: dense<1.000000e+00>
// RAND: ost.param "K" {init = #ost.init<ones>, value = dense<[
// RAND-NOT: 2.000000e+00, 3.000000e+00

// EYE: ost.param "R" {init = #ost.init<identity, seed = 3>, value = dense<{{\[\[}}1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00
// EYE: ost.param "B" {init = #ost.init<identity>, value = dense<{{\[\[\[}}1.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00]], {{\[\[}}1.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00]]]>

// A second run without overwrite changes nothing.
// KEEP: ost.param "R" {init = #ost.init<hadamard, seed = 12>, value = dense<{{\[\[}}{{-?}}5.000000e-01
func.func @params(%x: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  %r = ost.param "R" {init = #ost.init<hadamard, seed = 3>} : !ost.rotation<4>
  %i = ost.param "I" {init = #ost.init<identity>} : !ost.rotation<2>
  %b = ost.param "B" {init = #ost.init<hadamard>} : !ost.block_rotation<2 x 2>
  %s = ost.param "S" {init = #ost.init<ones>} : !ost.scale<4>
  %k = ost.param "K" {init = #ost.init<ones>, value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : !ost.scale<4>
  return %x : tensor<1x2x4xf32>
}

// WOMI: the weight rows have uncorrelated input channels of variances 1, 4,
// 9, 16, so the covariance's eigenvectors are the axes and R = Q·D·𝓗ᵀ has
// every entry ±1/2 (it would not for a correlated weight; see womi_block).
// CHECK-LABEL: func.func @womi
// CHECK: ost.param "R_res" {init = #ost.init<womi>, value = dense<{{\[\[}}[[W:-?5\.000000e-01]], [[W]]
// CHECK-NOT: 0.000000e+00
// CHECK-SAME: : tensor<4x4xf32>}
func.func @womi(%x: tensor<1x2x4xf32>) -> tensor<1x2x8xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, -2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, -3.0, 0.0], [0.0, 0.0, 0.0, 4.0], [0.0, 0.0, 0.0, -4.0]]> : tensor<8x4xf32>
  %r = ost.param "R_res" {init = #ost.init<womi>} : !ost.rotation<4>
  %xr = ost.apply %r to %x : !ost.rotation<4>, tensor<1x2x4xf32>
  %wr = ost.transform_weight %w by %r side input : tensor<8x4xf32>, !ost.rotation<4>
  %y = ost.linear %xr, %wr : tensor<1x2x4xf32>, tensor<8x4xf32> -> tensor<1x2x8xf32>
  return %y : tensor<1x2x8xf32>
}

// WOMI of a block rotation (R_ov): per block, from the input columns of the
// consuming weight that belong to that block (both query heads of the group
// for a repeated block). Block 0 sees channels of variance 1 and 4 (axes:
// entries ±0.7071); block 1 sees two perfectly correlated channels, whose
// eigenvectors are the diagonals, so Q·D·𝓗ᵀ has entries 0 and ±1.
// CHECK-LABEL: func.func @womi_block
// CHECK: ost.param "R_ov" {init = #ost.init<womi>, value = dense<{{\[\[\[}}{{-?}}0.707106{{[0-9]+}}, {{-?}}0.707106{{[0-9]+}}], [{{-?}}0.707106{{[0-9]+}}, {{-?}}0.707106{{[0-9]+}}]], {{\[\[}}{{-?}}{{[01]}}.{{0+e\+00|[0-9]+e-[0-9]+}}
func.func @womi_block(%a: tensor<1x2x8xf32>) -> tensor<1x2x2xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 2.0, 1.0, 1.0, 1.0, 1.0], [-1.0, 0.0, 0.0, -2.0, -1.0, -1.0, -1.0, -1.0]]> : tensor<2x8xf32>
  %r = ost.param "R_ov" {init = #ost.init<womi>} : !ost.block_rotation<2 x 2>
  %rq = ost.repeat_heads %r {head_dim = 2 : i64, repeats = 2 : i64} : !ost.block_rotation<2 x 2> -> !ost.block_rotation<4 x 2>
  %wr = ost.transform_weight %w by %rq side input : tensor<2x8xf32>, !ost.block_rotation<4 x 2>
  %y = ost.linear %a, %wr : tensor<1x2x8xf32>, tensor<2x8xf32> -> tensor<1x2x2xf32>
  return %y : tensor<1x2x2xf32>
}
