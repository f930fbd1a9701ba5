// RUN: ost-opt %s --ost-verify-transform-pairs --split-input-file -verify-diagnostics
// Diagnostics of ost-verify-transform-pairs.

func.func @applied_not_undone(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{transform parameter 'R_res' is applied but never undone (no use applies its inverse); the pair is not equivalent}}
  %r = ost.param "R_res" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %y = ost.apply %r to %x : !ost.rotation<8>, tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @undone_not_applied(%w: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{transform parameter 'S' is only ever undone (no use applies it); the pair is not equivalent}}
  %s = ost.param "S" {init = #ost.init<ones>} : !ost.scale<8>
  %w1 = ost.transform_weight %w by %s side input : tensor<4x8xf32>, !ost.scale<8>
  return %w1 : tensor<4x8xf32>
}

// -----

// Two producing weights folded with the same rotation both apply it.
// (side input inverse also applies T: W·T applied to x undoes T⁻¹.)
func.func @two_producers(%w: tensor<8x4xf32>, %w2: tensor<4x8xf32>) -> (tensor<8x4xf32>, tensor<4x8xf32>) {
  // expected-error @+1 {{transform parameter 'R' is applied but never undone}}
  %r = ost.param "R" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %a = ost.transform_weight %w by %r side output : tensor<8x4xf32>, !ost.rotation<8>
  %b = ost.transform_weight %w2 by %r side input inverse : tensor<4x8xf32>, !ost.rotation<8>
  return %a, %b : tensor<8x4xf32>, tensor<4x8xf32>
}

// -----

func.func @unused() {
  // expected-warning @+1 {{transform parameter 'R_unused' is unused}}
  %r = ost.param "R_unused" {init = #ost.init<identity>} : !ost.rotation<8>
  return
}

// -----

func.func @duplicate_name(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) -> (tensor<2x8xf32>, tensor<4x8xf32>) {
  // expected-remark @+1 {{first definition is here}}
  %r = ost.param "R" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %y = ost.apply %r to %x : !ost.rotation<8>, tensor<2x8xf32>
  // expected-error @+1 {{transform parameter 'R' is defined more than once; names key checkpoints and must be unique}}
  %q = ost.param "R" {init = #ost.init<hadamard, seed = 1>} : !ost.rotation<8>
  %w1 = ost.transform_weight %w by %r side input : tensor<4x8xf32>, !ost.rotation<8>
  %w2 = ost.transform_weight %w1 by %q side input : tensor<4x8xf32>, !ost.rotation<8>
  return %y, %w2 : tensor<2x8xf32>, tensor<4x8xf32>
}
