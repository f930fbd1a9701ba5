// RUN: ost-opt %s --ost-fold-norm-weights --split-input-file | FileCheck %s
// ost-fold-norm-weights: γ moves into the input columns of the consuming
// linears (W·diag(γ)), the norm becomes unit.

// Two linears read one norm: both get W·diag(γ); γ and the old weights die.
// CHECK-LABEL: func @fold_into_two_linears
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x2xf32>)
// CHECK: %[[N:.*]] = ost.rms_norm %[[X]] : tensor<1x2x2xf32>
// CHECK: %[[WQ:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 1.500000e+00], [6.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK: ost.linear %[[N]], %[[WQ]]
// CHECK: %[[WK:.*]] = arith.constant dense<{{\[}}[-2.000000e+00, 0.000000e+00]]> : tensor<1x2xf32>
// CHECK: ost.linear %[[N]], %[[WK]]
// CHECK-NOT: arith.constant
func.func @fold_into_two_linears(%x: tensor<1x2x2xf32>) -> (tensor<1x2x2xf32>, tensor<1x2x1xf32>) {
  %g = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %wq = arith.constant dense<[[1.0, 3.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wk = arith.constant dense<[[-1.0, 0.0]]> : tensor<1x2xf32>
  %n = ost.rms_norm %x weight %g : tensor<1x2x2xf32>, tensor<2xf32>
  %q = ost.linear %n, %wq : tensor<1x2x2xf32>, tensor<2x2xf32> -> tensor<1x2x2xf32>
  %k = ost.linear %n, %wk : tensor<1x2x2xf32>, tensor<1x2xf32> -> tensor<1x2x1xf32>
  return %q, %k : tensor<1x2x2xf32>, tensor<1x2x1xf32>
}

// -----

// The final norm folds into a tied head: the head gets its own copy, the
// embedding keeps the original table. Large constants stay dense_resource.
// CHECK-LABEL: func @fold_into_tied_head
// CHECK: %[[TABLE:.*]] = arith.constant dense<1.000000e+00> : tensor<16x8xf32>
// CHECK: ost.embedding %[[TABLE]]
// CHECK: %[[N:.*]] = ost.rms_norm %{{.*}} : tensor<1x2x8xf32>
// CHECK: %[[HEAD:.*]] = arith.constant dense_resource<norm_folded_{{[0-9]+}}> : tensor<16x8xf32>
// CHECK: ost.lm_head %[[N]], %[[HEAD]]
// CHECK: norm_folded_{{[0-9]+}}: "0x04000000{{(00004040)+}}"
func.func @fold_into_tied_head(%ids: tensor<1x2xi64>) -> tensor<1x2x16xf32> {
  %table = arith.constant dense<1.0> : tensor<16x8xf32>
  %g = arith.constant dense<3.0> : tensor<8xf32>
  %h = ost.embedding %table[%ids] : tensor<16x8xf32>, tensor<1x2xi64> -> tensor<1x2x8xf32>
  %n = ost.rms_norm %h weight %g : tensor<1x2x8xf32>, tensor<8xf32>
  %l = ost.lm_head %n, %table : tensor<1x2x8xf32>, tensor<16x8xf32> -> tensor<1x2x16xf32>
  return %l : tensor<1x2x16xf32>
}

// -----

// A unit norm has nothing to fold.
// CHECK-LABEL: func @negative_unit_norm
// CHECK: ost.rms_norm %{{.*}} : tensor<1x2x2xf32>
func.func @negative_unit_norm(%x: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %n = ost.rms_norm %x : tensor<1x2x2xf32>
  return %n : tensor<1x2x2xf32>
}
