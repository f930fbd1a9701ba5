// RUN: ost-opt %s --ost-insert-transforms --split-input-file -verify-diagnostics
// RUN: not ost-opt %s --ost-insert-transforms=pairs=res,rotate --split-input-file 2>&1 | FileCheck %s --check-prefix=PAIRS
// RUN: not ost-opt %s --ost-insert-transforms=pairs=ud --split-input-file 2>&1 | FileCheck %s --check-prefix=NOMLP
// RUN: not ost-opt %s --ost-insert-transforms="pairs=none qk-hadamard=true down-hadamard=false" --split-input-file 2>&1 | FileCheck %s --check-prefix=QKHAD

// PAIRS: error: unknown transform pair 'rotate' in pairs=; expected res, attn, ffn, qk, ov, ud, all or none
// NOMLP: error: pairs ffn/ud need SwiGLU MLP blocks; none found in the module
// QKHAD: error: cannot insert the online Hadamard on Q and K after RoPE: no Hadamard matrix of size 6 is known (supported: K*2^m with K in

// R_res does not commute with a norm weight γ.
func.func @negative_norm_weight(%ids: tensor<1x3xi64>, %emb: tensor<16x8xf32>, %g: tensor<8xf32>,
                                %head: tensor<16x8xf32>) -> tensor<1x3x16xf32> {
  %x = ost.embedding %emb[%ids] : tensor<16x8xf32>, tensor<1x3xi64> -> tensor<1x3x8xf32>
  // expected-error @+1 {{R_res needs unit RMSNorm weights (a rotation does not commute with γ); run --ost-fold-norm-weights first}}
  %n = ost.rms_norm %x weight %g : tensor<1x3x8xf32>, tensor<8xf32>
  %l = ost.lm_head %n, %head : tensor<1x3x8xf32>, tensor<16x8xf32> -> tensor<1x3x16xf32>
  return %l : tensor<1x3x16xf32>
}

// -----

// The residual stream read by something that cannot absorb the rotation.
func.func @negative_residual_reader(%ids: tensor<1x3xi64>, %emb: tensor<16x8xf32>) -> tensor<1x3x8xf32> {
  %x = ost.embedding %emb[%ids] : tensor<16x8xf32>, tensor<1x3xi64> -> tensor<1x3x8xf32>
  // expected-error @+1 {{R_res: 'ost.silu' reads the residual stream, which cannot be rotated through it (expected ost.add or ost.rms_norm)}}
  %s = ost.silu %x : tensor<1x3x8xf32>
  return %s : tensor<1x3x8xf32>
}

// -----

// A residual add whose other operand is not a linear layer.
func.func @negative_residual_add(%ids: tensor<1x3xi64>, %emb: tensor<16x8xf32>, %y: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  %x = ost.embedding %emb[%ids] : tensor<16x8xf32>, tensor<1x3xi64> -> tensor<1x3x8xf32>
  // expected-error @+1 {{R_res: this residual add's other operand must be an ost.linear used only here (o_proj or down_proj)}}
  %a = ost.add %x, %y : tensor<1x3x8xf32>
  %n = ost.rms_norm %a : tensor<1x3x8xf32>
  return %n : tensor<1x3x8xf32>
}

// -----

// A norm whose result feeds a non-linear op.
func.func @negative_norm_reader(%ids: tensor<1x3xi64>, %emb: tensor<16x8xf32>) -> tensor<1x3x8xf32> {
  %x = ost.embedding %emb[%ids] : tensor<16x8xf32>, tensor<1x3xi64> -> tensor<1x3x8xf32>
  // expected-error @+1 {{R_res: this norm's result is used by 'ost.silu', which cannot absorb the rotation}}
  %n = ost.rms_norm %x : tensor<1x3x8xf32>
  // expected-note @+1 {{used here}}
  %s = ost.silu %n : tensor<1x3x8xf32>
  return %s : tensor<1x3x8xf32>
}

// -----

// An MLP of 92 = 23·4: no Hadamard matrix of order 92, 46 or 23 is known.
func.func @negative_hadamard_size(%x: tensor<1x3x8xf32>, %wg: tensor<92x8xf32>, %wu: tensor<92x8xf32>,
                                  %wd: tensor<8x92xf32>) -> tensor<1x3x8xf32> {
  %g = ost.linear %x, %wg : tensor<1x3x8xf32>, tensor<92x8xf32> -> tensor<1x3x92xf32>
  %u = ost.linear %x, %wu : tensor<1x3x8xf32>, tensor<92x8xf32> -> tensor<1x3x92xf32>
  %s = ost.silu %g : tensor<1x3x92xf32>
  %m = ost.mul %s, %u : tensor<1x3x92xf32>
  // expected-error @+1 {{cannot insert the online Hadamard before down_proj: no Hadamard matrix of size 92 is known}}
  %d = ost.linear %m, %wd : tensor<1x3x92xf32>, tensor<8x92xf32> -> tensor<1x3x8xf32>
  return %d : tensor<1x3x8xf32>
}

// -----

// Attention whose query is not a projection split into heads.
func.func @negative_attention_form(%q: tensor<1x3x2x6xf32>, %x: tensor<1x3x8xf32>, %wk: tensor<6x8xf32>,
                                   %wv: tensor<6x8xf32>) -> tensor<1x3x2x6xf32> {
  %k = ost.linear %x, %wk : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %v = ost.linear %x, %wv : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  // expected-error @+1 {{cannot insert transforms around this attention: query, key and value must each be an ost.linear split into heads by tensor.expand_shape (RoPE allowed on query and key)}}
  %a = ost.attention %q, %k4, %v4 {causal} : tensor<1x3x2x6xf32>, tensor<1x3x1x6xf32>, tensor<1x3x1x6xf32>
  return %a : tensor<1x3x2x6xf32>
}

// -----

// Attention whose result is returned instead of feeding o_proj.
func.func @negative_attention_output(%x: tensor<1x3x8xf32>, %wq: tensor<12x8xf32>, %wk: tensor<6x8xf32>,
                                     %wv: tensor<6x8xf32>) -> tensor<1x3x2x6xf32> {
  %q = ost.linear %x, %wq : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %k = ost.linear %x, %wk : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %v = ost.linear %x, %wv : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 3, 2, 6] : tensor<1x3x12xf32> into tensor<1x3x2x6xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  // expected-error @+1 {{cannot insert transforms around this attention: its result must feed exactly one ost.linear (o_proj) through tensor.collapse_shape}}
  %a = ost.attention %q4, %k4, %v4 {causal} : tensor<1x3x2x6xf32>, tensor<1x3x1x6xf32>, tensor<1x3x1x6xf32>
  return %a : tensor<1x3x2x6xf32>
}

// -----

// Parameters already inserted: the pass runs once.
func.func @negative_twice(%x: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  // expected-error @+1 {{the module already has transform parameters (here 'R_res'); ost-insert-transforms runs once}}
  %r = ost.param "R_res" {init = #ost.init<hadamard>} : !ost.rotation<8>
  %y = ost.apply %r to %x : !ost.rotation<8>, tensor<1x3x8xf32>
  return %y : tensor<1x3x8xf32>
}

// -----

// A well-formed attention with heads of 6: fine without qk-hadamard, but no
// Hadamard matrix of order 6 exists (QKHAD above).
func.func @head_size_six(%x: tensor<1x3x8xf32>, %wq: tensor<12x8xf32>, %wk: tensor<6x8xf32>,
                         %wv: tensor<6x8xf32>, %wo: tensor<8x12xf32>) -> tensor<1x3x8xf32> {
  %q = ost.linear %x, %wq : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %k = ost.linear %x, %wk : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %v = ost.linear %x, %wv : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 3, 2, 6] : tensor<1x3x12xf32> into tensor<1x3x2x6xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  %a = ost.attention %q4, %k4, %v4 {causal} : tensor<1x3x2x6xf32>, tensor<1x3x1x6xf32>, tensor<1x3x1x6xf32>
  %c = tensor.collapse_shape %a [[0], [1], [2, 3]] : tensor<1x3x2x6xf32> into tensor<1x3x12xf32>
  %o = ost.linear %c, %wo : tensor<1x3x12xf32>, tensor<8x12xf32> -> tensor<1x3x8xf32>
  return %o : tensor<1x3x8xf32>
}
