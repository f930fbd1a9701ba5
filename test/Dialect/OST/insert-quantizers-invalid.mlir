// RUN: ost-opt %s --ost-insert-quantizers --split-input-file -verify-diagnostics
// RUN: not ost-opt %s --ost-insert-quantizers=bits=W4A3X --split-input-file 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not ost-opt %s --ost-insert-quantizers=bits=W4A1KV4 --split-input-file 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not ost-opt %s --ost-insert-quantizers=act-clip=1.5 --split-input-file 2>&1 | FileCheck %s --check-prefix=CLIP
// RUN: not ost-opt %s --ost-insert-quantizers="kv-clip=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=KVCLIP
// RUN: not ost-opt %s --ost-insert-quantizers="weights=true weight-clip-search=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=SEARCH
// RUN: not ost-opt %s --ost-insert-quantizers=bits=W16A16KV4 --split-input-file 2>&1 | FileCheck %s --check-prefix=NOATT

// BITS: error: ost-insert-quantizers: invalid quantization config 'W4A3X': expected W<bits>A<bits>[KV<bits>] with bits in 2..8 or 16
// RANGE: error: ost-insert-quantizers: invalid quantization config 'W4A1KV4': activation bits must be 2..8 or 16, got 1
// CLIP: error: ost-insert-quantizers: act-clip must be in (0, 1], got 1.5
// KVCLIP: error: ost-insert-quantizers: kv-clip must be in (0, 1], got 0
// SEARCH: error: ost-insert-quantizers: weight-clip-search must be a non-negative error exponent (0: no search), got -1
// NOATT: error: ost-insert-quantizers (W16A16KV4): the KV cache is quantized but the module has no ost.attention

// A second set of quantizers would quantize twice.
func.func @negative_already_quantized(%x: tensor<1x3x8xf32>, %wg: tensor<12x8xf32>, %wu: tensor<12x8xf32>,
                                      %wd: tensor<8x12xf32>) -> tensor<1x3x8xf32> {
  // expected-error @+1 {{the module already has fake quantizers; ost-insert-quantizers inserts a complete set once (run ost-strip-fake-quant to start over)}}
  %xq = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>} : tensor<1x3x8xf32>
  %g = ost.linear %xq, %wg : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %u = ost.linear %xq, %wu : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %s = ost.silu %g : tensor<1x3x12xf32>
  %m = ost.mul %s, %u : tensor<1x3x12xf32>
  %d = ost.linear %m, %wd : tensor<1x3x12xf32>, tensor<8x12xf32> -> tensor<1x3x8xf32>
  return %d : tensor<1x3x8xf32>
}

// -----

// A linear outside the recognized blocks: its input quantizer is unknown.
func.func @negative_stray_linear(%x: tensor<1x3x8xf32>, %wg: tensor<12x8xf32>, %wu: tensor<12x8xf32>,
                                 %wd: tensor<8x12xf32>, %w: tensor<8x8xf32>) -> tensor<1x3x8xf32> {
  %g = ost.linear %x, %wg : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %u = ost.linear %x, %wu : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %s = ost.silu %g : tensor<1x3x12xf32>
  %m = ost.mul %s, %u : tensor<1x3x12xf32>
  %d = ost.linear %m, %wd : tensor<1x3x12xf32>, tensor<8x12xf32> -> tensor<1x3x8xf32>
  // expected-error @+1 {{cannot insert quantizers for this ost.linear: it is not a q/k/v/o projection of a recognized attention block nor a gate/up/down projection of a SwiGLU MLP}}
  %y = ost.linear %d, %w : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  return %y : tensor<1x3x8xf32>
}

// -----

// Attention whose query is not a projection split into heads.
func.func @negative_attention_form(%q: tensor<1x3x2x6xf32>, %x: tensor<1x3x8xf32>, %wk: tensor<6x8xf32>,
                                   %wv: tensor<6x8xf32>) -> tensor<1x3x2x6xf32> {
  %k = ost.linear %x, %wk : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %v = ost.linear %x, %wv : tensor<1x3x8xf32>, tensor<6x8xf32> -> tensor<1x3x6xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 3, 1, 6] : tensor<1x3x6xf32> into tensor<1x3x1x6xf32>
  // expected-error @+1 {{cannot insert quantizers around this attention: query, key and value must each be an ost.linear split into heads by tensor.expand_shape (RoPE allowed on query and key)}}
  %a = ost.attention %q, %k4, %v4 {causal} : tensor<1x3x2x6xf32>, tensor<1x3x1x6xf32>, tensor<1x3x1x6xf32>
  return %a : tensor<1x3x2x6xf32>
}

// -----

// The attention output must reach o_proj through the head collapse.
func.func @negative_output_projection(%x: tensor<1x3x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<4x8xf32>,
                                      %wv: tensor<4x8xf32>) -> tensor<1x3x2x4xf32> {
  %q = ost.linear %x, %wq : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  %k = ost.linear %x, %wk : tensor<1x3x8xf32>, tensor<4x8xf32> -> tensor<1x3x4xf32>
  %v = ost.linear %x, %wv : tensor<1x3x8xf32>, tensor<4x8xf32> -> tensor<1x3x4xf32>
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 3, 2, 4] : tensor<1x3x8xf32> into tensor<1x3x2x4xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 3, 1, 4] : tensor<1x3x4xf32> into tensor<1x3x1x4xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 3, 1, 4] : tensor<1x3x4xf32> into tensor<1x3x1x4xf32>
  // expected-error @+1 {{cannot insert quantizers around this attention: its result must feed exactly one ost.linear (o_proj) through tensor.collapse_shape}}
  %a = ost.attention %q4, %k4, %v4 {causal} : tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>, tensor<1x3x1x4xf32>
  return %a : tensor<1x3x2x4xf32>
}

// -----

// Nothing to quantize in a module without decoder blocks.
// expected-error @below {{ost-insert-quantizers (W4A4KV4): no attention block or SwiGLU MLP found in the module}}
module {
  func.func @negative_no_blocks(%x: tensor<1x3x8xf32>, %head: tensor<16x8xf32>) -> tensor<1x3x16xf32> {
    %l = ost.lm_head %x, %head : tensor<1x3x8xf32>, tensor<16x8xf32> -> tensor<1x3x16xf32>
    return %l : tensor<1x3x16xf32>
  }
}
