// RUN: ost-opt %s -split-input-file -verify-diagnostics
// Every diagnostic of the ost.* discardable-attribute verifier
// (OSTDiscardableAttrs.cpp) and of #ost.model_info (OSTModelInfo.cpp), whose
// entries are ModelABI.def's.

// A missing entry.
// expected-error @+1 {{#ost.model_info lacks 'v_clip'}}
module attributes {ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 16, k_clip = 1.0 : f32, embedding_bytes = 512>} {
}

// -----

// A repeated entry.
// expected-error @+1 {{#ost.model_info entry 'k_bits' repeated}}
module attributes {ost.model_info = #ost.model_info<k_bits = 4, vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 16, k_clip = 1.0 : f32, v_clip = 0.9 : f32, embedding_bytes = 512>} {
}

// -----

// expected-error @+1 {{model_info k_bits must be 2..8 or 16 (no quantization), got 12}}
module attributes {ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 12, v_bits = 16, k_clip = 1.0 : f32, v_clip = 0.9 : f32, embedding_bytes = 512>} {
}

// -----

// expected-error @+1 {{model_info k_clip must be an f32, got 1.000000e+00 : f64}}
module attributes {ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 16, k_clip = 1.0 : f64, v_clip = 0.9 : f32, embedding_bytes = 512>} {
}

// -----

// expected-error @+1 {{model_info v_clip must be in (0, 1], got 0}}
module attributes {ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 16, k_clip = 1.0 : f32, v_clip = 0.0 : f32, embedding_bytes = 512>} {
}

// -----

// expected-error @+1 {{model_info num_layers must be positive, got 0}}
module attributes {ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 0, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 16, k_clip = 1.0 : f32, v_clip = 0.9 : f32, embedding_bytes = 512>} {
}

// -----

// An entry the runtime ABI does not have.
// expected-error @+1 {{#ost.model_info has no entry 'hidden' (its entries are ModelABI.def's: vocab_size, num_layers, num_kv_heads, head_dim, max_positions, k_bits, v_bits, k_clip, v_clip, embedding_bytes)}}
module attributes {ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 16, k_clip = 1.0 : f32, v_clip = 0.9 : f32, embedding_bytes = 512, hidden = 3>} {
}

// -----

// expected-error @+1 {{'ost.model_info' must be a #ost.model_info, got "x"}}
module attributes {ost.model_info = "x"} {
}

// -----

module {
  // expected-error @+1 {{'ost.quantization' belongs on a builtin.module}}
  func.func @f() attributes {ost.quantization = "rtn W4A16KV16"} {
    return
  }
}

// -----

// expected-error @+1 {{'ost.quantization' must be a non-empty string ("<method> <bits>"), got 3 : i64}}
module attributes {ost.quantization = 3 : i64} {
}

// -----

// expected-error @+1 {{'ost.tile' must be a non-empty array of positive i64, got array<i64: 64, 0>}}
func.func @kernel() attributes {ost.tile = array<i64: 64, 0>} {
  return
}

// -----

// expected-error @+1 {{'ost.dynamic_smem' must be a non-negative integer, got -4 : i64}}
func.func @kernel() attributes {ost.dynamic_smem = -4 : i64} {
  return
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ost.tile' belongs on a function}}
  %y = ost.add %x, %x {ost.tile = array<i64: 1>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @qlinear(%x: tensor<1x8x64xf32>, %w: tensor<32x32xi8>, %s: tensor<32x1xf32>) -> tensor<1x8x32xf32> {
  // expected-error @+1 {{'ost.gpu_kernel' must be a symbol reference, got "w4a16"}}
  %y = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>, ost.gpu_kernel = "w4a16"} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x1xf32> -> tensor<1x8x32xf32>
  return %y : tensor<1x8x32xf32>
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ost.gpu_kernel' belongs on an ost.qlinear}}
  %y = ost.add %x, %x {ost.gpu_kernel = @k} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @+1 {{unknown discardable attribute 'ost.tiles' (the ost dialect has ost.quantization, ost.model_info, ost.gpu_kernel, ost.tile, ost.dynamic_smem)}}
func.func @kernel() attributes {ost.tiles = array<i64: 1>} {
  return
}
