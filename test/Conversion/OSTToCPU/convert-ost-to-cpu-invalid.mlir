// RUN: ost-opt %s --convert-ost-to-cpu --split-input-file --verify-diagnostics

// expected-error @+1 {{convert-ost-to-cpu: no model function 'forward' with a body}}
module {
  func.func private @forward(tensor<?x?xi64>) -> tensor<?x?x16xf32>
}

// -----

// Attention without `causal` has no KV-cache meaning.
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x16xf32> {
  %c1 = arith.constant 1 : index
  %table = arith.constant dense<0.5> : tensor<16x8xf32>
  %cos = arith.constant dense<1.0> : tensor<32x2xf32>
  %head = arith.constant dense<0.25> : tensor<16x8xf32>
  %x = ost.embedding %table[%ids] : tensor<16x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %b = tensor.dim %x, %c1 : tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %bt = tensor.dim %x, %c0 : tensor<?x?x8xf32>
  %xe = tensor.expand_shape %x [[0], [1], [2, 3]] output_shape [%bt, %b, 2, 4] : tensor<?x?x8xf32> into tensor<?x?x2x4xf32>
  %r = ost.rope %xe, %cos, %cos : tensor<?x?x2x4xf32>, tensor<32x2xf32>, tensor<32x2xf32>
  // expected-error @+1 {{the cpu target runs causal attention without an explicit mask only}}
  %a = ost.attention %r, %r, %r : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>
  %ac = tensor.collapse_shape %a [[0], [1], [2, 3]] : tensor<?x?x2x4xf32> into tensor<?x?x8xf32>
  %y = ost.lm_head %ac, %head : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// RoPE tables must be read from row 0 (the step shifts them to `pos`).
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x16xf32> {
  %c1 = arith.constant 1 : index
  %table = arith.constant dense<0.5> : tensor<16x8xf32>
  %cos = arith.constant dense<1.0> : tensor<32x2xf32>
  %head = arith.constant dense<0.25> : tensor<16x8xf32>
  %x = ost.embedding %table[%ids] : tensor<16x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %b = tensor.dim %x, %c1 : tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %bt = tensor.dim %x, %c0 : tensor<?x?x8xf32>
  %xe = tensor.expand_shape %x [[0], [1], [2, 3]] output_shape [%bt, %b, 2, 4] : tensor<?x?x8xf32> into tensor<?x?x2x4xf32>
  %cs = tensor.extract_slice %cos[1, 0] [%b, 2] [1, 1] : tensor<32x2xf32> to tensor<?x2xf32>
  // expected-error @+1 {{the cpu target needs RoPE tables that are constants or their rows from 0}}
  %r = ost.rope %xe, %cs, %cs : tensor<?x?x2x4xf32>, tensor<?x2xf32>, tensor<?x2xf32>
  %a = ost.attention %r, %r, %r {causal} : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>
  %ac = tensor.collapse_shape %a [[0], [1], [2, 3]] : tensor<?x?x2x4xf32> into tensor<?x?x8xf32>
  %y = ost.lm_head %ac, %head : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// An op the runtime has no kernel for.
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x16xf32> {
  %table = arith.constant dense<0.5> : tensor<16x8xf32>
  %x = ost.embedding %table[%ids] : tensor<16x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'ost.transpose' op has no lowering for the cpu target}}
  %t = ost.transpose %x [1, 0, 2] : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %y = ost.lm_head %t, %table : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// 8-bit weights: the cpu kernels are int4.
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x16xf32> {
  %c1 = arith.constant 1 : index
  %table = arith.constant dense<0.5> : tensor<16x8xf32>
  %cos = arith.constant dense<1.0> : tensor<32x2xf32>
  %w8 = arith.constant dense<3> : tensor<8x8xi8>
  %s = arith.constant dense<0.1> : tensor<8x1xf32>
  %x = ost.embedding %table[%ids] : tensor<16x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  // expected-error @+1 {{the cpu target runs 4-bit symmetric per-channel weights only}}
  %p = ost.qlinear %x, %w8, %s {weight_spec = #ost.qspec<8, sym, per_channel>} : tensor<?x?x8xf32>, tensor<8x8xi8>, tensor<8x1xf32> -> tensor<?x?x8xf32>
  %b = tensor.dim %p, %c1 : tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %bt = tensor.dim %p, %c0 : tensor<?x?x8xf32>
  %xe = tensor.expand_shape %p [[0], [1], [2, 3]] output_shape [%bt, %b, 2, 4] : tensor<?x?x8xf32> into tensor<?x?x2x4xf32>
  %r = ost.rope %xe, %cos, %cos : tensor<?x?x2x4xf32>, tensor<32x2xf32>, tensor<32x2xf32>
  %a = ost.attention %r, %r, %r {causal} : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>
  %ac = tensor.collapse_shape %a [[0], [1], [2, 3]] : tensor<?x?x2x4xf32> into tensor<?x?x8xf32>
  %y = ost.lm_head %ac, %table : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
