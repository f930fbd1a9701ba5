// RUN: ost-opt %s --ost-fold-transforms --split-input-file | FileCheck %s

// A chain of weight transforms becomes one constant, computed in float64:
// W·R = [[-2, 1], [-4, 3]] (R = [[0, 1], [-1, 0]]), then the input columns
// times s = [2, 0.5] (side input inverse: W·diag(s)). The old weight is gone.
// CHECK-LABEL: func.func @weight_chain
// CHECK-NOT: ost.param
// CHECK-NOT: ost.transform_weight
// CHECK-NOT: arith.constant
// CHECK: %[[W:.+]] = arith.constant dense<{{\[\[}}-4.000000e+00, 5.000000e-01], [-8.000000e+00, 1.500000e+00]]> : tensor<2x2xf32>
// CHECK-NOT: arith.constant
// CHECK: ost.linear %{{.+}}, %[[W]]
func.func @weight_chain(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %r = ost.param "R" {init = #ost.init<identity>, value = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf32>} : !ost.rotation<2>
  %s = ost.param "S" {init = #ost.init<ones>, value = dense<[2.0, 0.5]> : tensor<2xf32>} : !ost.scale<2>
  %w1 = ost.transform_weight %w by %r side input : tensor<2x2xf32>, !ost.rotation<2>
  %w2 = ost.transform_weight %w1 by %s side input inverse : tensor<2x2xf32>, !ost.scale<2>
  %y = ost.linear %x, %w2 : tensor<1x2xf32>, tensor<2x2xf32> -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Output side with a bias, through repeat_heads: rows × [2, 2, 4, 4].
// CHECK-LABEL: func.func @output_side_bias
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[2.000000e+00, 2.000000e+00, 4.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[\[}}2.000000e+00], [4.000000e+00], [1.200000e+01], [1.600000e+01]]> : tensor<4x1xf32>
// CHECK: ost.linear %{{.+}}, %[[W]] bias %[[B]]
func.func @output_side_bias(%x: tensor<1x1xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>
  %b = arith.constant dense<1.0> : tensor<4xf32>
  %s = ost.param "S" {init = #ost.init<ones>, value = dense<[2.0, 4.0]> : tensor<2xf32>} : !ost.scale<2>
  %s4 = ost.repeat_heads %s {head_dim = 1 : i64, repeats = 2 : i64} : !ost.scale<2> -> !ost.scale<4>
  %w1 = ost.transform_weight %w by %s4 side output : tensor<4x1xf32>, !ost.scale<4>
  %b1 = ost.transform_weight %b by %s4 side output : tensor<4xf32>, !ost.scale<4>
  %y = ost.linear %x, %w1 bias %b1 : tensor<1x1xf32>, tensor<4x1xf32>, tensor<4xf32> -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// Scales on a norm's output fold into its weight (γ ⊘ s, or 1 ⊘ s for a unit
// norm); a rotation on the embedding's output folds into the table (E·R).
// CHECK-LABEL: func.func @activation_side
// CHECK: %[[T:.+]] = arith.constant dense<{{\[\[}}-2.000000e+00, 1.000000e+00], [-4.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[E:.+]] = ost.embedding %[[T]][%{{.+}}]
// CHECK: %[[G1:.+]] = arith.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[N1:.+]] = ost.rms_norm %[[E]] weight %[[G1]]
// CHECK: %[[G2:.+]] = arith.constant dense<[1.500000e+00, 8.000000e+00]> : tensor<2xf32>
// CHECK: ost.rms_norm %[[N1]] weight %[[G2]] {epsilon = {{.+}} : f64}
// CHECK-NOT: ost.apply
func.func @activation_side(%ids: tensor<1x1xi64>) -> tensor<1x1x2xf32> {
  %t = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[3.0, 4.0]> : tensor<2xf32>
  %r = ost.param "R" {init = #ost.init<identity>, value = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf32>} : !ost.rotation<2>
  %s = ost.param "S" {init = #ost.init<ones>, value = dense<[2.0, 0.5]> : tensor<2xf32>} : !ost.scale<2>
  %e = ost.embedding %t[%ids] : tensor<2x2xf32>, tensor<1x1xi64> -> tensor<1x1x2xf32>
  %er = ost.apply %r to %e : !ost.rotation<2>, tensor<1x1x2xf32>
  %n = ost.rms_norm %er : tensor<1x1x2xf32>
  %ns = ost.apply %s to %n inverse : !ost.scale<2>, tensor<1x1x2xf32>
  %m = ost.rms_norm %ns weight %g {epsilon = 1.0e-6 : f64} : tensor<1x1x2xf32>, tensor<2xf32>
  %ms = ost.apply %s to %m inverse : !ost.scale<2>, tensor<1x1x2xf32>
  return %ms : tensor<1x1x2xf32>
}

// -----

// Hadamards stay online on activations and fold into weights:
// W·𝓗ᵀ maps the row [1, 1, 1, 1] to [2, 0, 0, 0].
// CHECK-LABEL: func.func @hadamard
// CHECK-NOT: ost.hadamard
// CHECK: %[[H:.+]] = ost.online_hadamard %{{.+}} : tensor<1x4xf32>
// CHECK: %[[HT:.+]] = ost.online_hadamard %[[H]] transpose : tensor<1x4xf32>
// CHECK: %[[W:.+]] = arith.constant dense<{{\[\[}}2.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<1x4xf32>
// CHECK: ost.linear %[[H]], %[[W]]
func.func @hadamard(%x: tensor<1x4xf32>) -> (tensor<1x1xf32>, tensor<1x4xf32>) {
  %w = arith.constant dense<[[1.0, 1.0, 1.0, 1.0]]> : tensor<1x4xf32>
  %h = ost.hadamard : !ost.hadamard<4>
  %xh = ost.apply %h to %x : !ost.hadamard<4>, tensor<1x4xf32>
  %back = ost.apply %h to %xh inverse : !ost.hadamard<4>, tensor<1x4xf32>
  %wh = ost.transform_weight %w by %h side input : tensor<1x4xf32>, !ost.hadamard<4>
  %y = ost.linear %xh, %wh : tensor<1x4xf32>, tensor<1x4xf32> -> tensor<1x1xf32>
  return %y, %back : tensor<1x1xf32>, tensor<1x4xf32>
}
