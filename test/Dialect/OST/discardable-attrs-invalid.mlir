// RUN: ost-opt %s -split-input-file -verify-diagnostics
// Every diagnostic of the ost.* discardable-attribute verifier
// (OSTDiscardableAttrs.cpp); ost.model_info's entries are ModelABI.def's.

// expected-error @+1 {{'ost.model_info' lacks 'v_clip' (the runtime ABI's entries: ModelABI.def)}}
module attributes {ost.model_info = {vocab_size = 16 : i64, num_layers = 1 : i64, num_kv_heads = 2 : i64,
                      head_dim = 4 : i64, max_positions = 32 : i64, k_bits = 4 : i64,
                      v_bits = 16 : i64, k_clip = 1.0 : f32, embedding_bytes = 512 : i64}} {
}

// -----

// expected-error @+1 {{'ost.model_info' entry 'k_bits' must be an i64 integer, got 4 : i32}}
module attributes {ost.model_info = {vocab_size = 16 : i64, num_layers = 1 : i64, num_kv_heads = 2 : i64,
                      head_dim = 4 : i64, max_positions = 32 : i64, k_bits = 4 : i32,
                      v_bits = 16 : i64, k_clip = 1.0 : f32, v_clip = 0.9 : f32,
                      embedding_bytes = 512 : i64}} {
}

// -----

// expected-error @+1 {{'ost.model_info' entry 'k_clip' must be an f32, got 1.000000e+00 : f64}}
module attributes {ost.model_info = {vocab_size = 16 : i64, num_layers = 1 : i64, num_kv_heads = 2 : i64,
                      head_dim = 4 : i64, max_positions = 32 : i64, k_bits = 4 : i64,
                      v_bits = 16 : i64, k_clip = 1.0 : f64, v_clip = 0.9 : f32,
                      embedding_bytes = 512 : i64}} {
}

// -----

// expected-error @+1 {{'ost.model_info' has an entry 'hidden' the runtime ABI does not know (ModelABI.def)}}
module attributes {ost.model_info = {vocab_size = 16 : i64, num_layers = 1 : i64, num_kv_heads = 2 : i64,
                      head_dim = 4 : i64, max_positions = 32 : i64, k_bits = 4 : i64,
                      v_bits = 16 : i64, k_clip = 1.0 : f32, v_clip = 0.9 : f32,
                      embedding_bytes = 512 : i64, hidden = 3 : i64}} {
}

// -----

// expected-error @+1 {{'ost.model_info' must be a dictionary, got "x"}}
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
