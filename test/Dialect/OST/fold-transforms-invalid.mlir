// RUN: ost-opt %s --ost-fold-transforms --split-input-file -verify-diagnostics

// A parameter without a value cannot be folded.
func.func @negative_no_value(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %s = ost.param "S" {init = #ost.init<ones>} : !ost.scale<2>
  // expected-error @+1 {{cannot fold this transform: parameter 'S' has no value; run ost-init-transforms or load a calibrated checkpoint first}}
  %w1 = ost.transform_weight %w by %s side input : tensor<2x2xf32>, !ost.scale<2>
  %y = ost.linear %x, %w1 : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// The weight must be a constant.
func.func @negative_argument_weight(%x: tensor<1x2xf32>, %w: tensor<2x2xf32>) -> tensor<1x2xf32> {
  %s = ost.param "S" {init = #ost.init<ones>, value = dense<2.0> : tensor<2xf32>} : !ost.scale<2>
  // expected-error @+1 {{cannot fold this transform: the weight is not an f32 constant}}
  %w1 = ost.transform_weight %w by %s side input : tensor<2x2xf32>, !ost.scale<2>
  %y = ost.linear %x, %w1 : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A rotation of an activation that is neither an embedding's output nor a
// norm's cannot be folded anywhere.
func.func @negative_rotation_apply(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %r = ost.param "R" {init = #ost.init<identity>, value = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf32>} : !ost.rotation<2>
  // expected-note @+1 {{its input comes from here}}
  %s = ost.silu %x : tensor<1x2xf32>
  // expected-error @+1 {{cannot fold this ost.apply of '!ost.rotation<2>': only applies on an embedding's output, scales on an RMSNorm's output and Hadamards (which stay online) can be folded}}
  %y = ost.apply %r to %s : !ost.rotation<2>, tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A rotation after a norm does not commute with it in general.
func.func @negative_rotation_on_norm(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %r = ost.param "R" {init = #ost.init<identity>, value = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf32>} : !ost.rotation<2>
  // expected-note @+1 {{its input comes from here}}
  %n = ost.rms_norm %x : tensor<1x2xf32>
  // expected-error @+1 {{cannot fold this ost.apply}}
  %y = ost.apply %r to %n : !ost.rotation<2>, tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A value whose dense_resource blob is missing from the file.
func.func @negative_value_shape(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %s = ost.param "S" {init = #ost.init<ones>, value = dense_resource<missing_blob> : tensor<2xf32>} : !ost.scale<2>
  // expected-error @+1 {{cannot fold this transform: parameter 'S' has no readable f32 value (a missing dense_resource blob?)}}
  %w1 = ost.transform_weight %w by %s side input : tensor<2x2xf32>, !ost.scale<2>
  %y = ost.linear %x, %w1 : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
