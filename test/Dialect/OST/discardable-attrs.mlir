// RUN: ost-opt %s -split-input-file | FileCheck %s
// The ost.* discardable attributes the dialect knows, in their valid forms.

// The typed #ost.model_info prints its entries in declaration order (they
// parse in any order).
// CHECK: module attributes {ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 16, k_clip = 1.000000e+00 : f32, v_clip = 0.899999976 : f32, embedding_bytes = 512>, ost.quantization = "ostquant W4A4KV4"}
module attributes {ost.quantization = "ostquant W4A4KV4",
    ost.model_info = #ost.model_info<num_layers = 1, vocab_size = 16, num_kv_heads = 2,
                      head_dim = 4, max_positions = 32, k_bits = 4,
                      v_bits = 16, k_clip = 1.0 : f32, v_clip = 0.9 : f32,
                      embedding_bytes = 512>} {
}

// -----

// CHECK: func.func @kernel() attributes {ost.dynamic_smem = 0 : i64, ost.tile = array<i64: 64, 128>}
func.func @kernel() attributes {ost.tile = array<i64: 64, 128>, ost.dynamic_smem = 0 : i64} {
  return
}

// -----

// CHECK: ost.qlinear {{.*}}ost.gpu_kernel = @ost_kernels::@w4a16_gemv
func.func @qlinear(%x: tensor<1x8x64xf32>, %w: tensor<32x32xi8>, %s: tensor<32x1xf32>) -> tensor<1x8x32xf32> {
  %y = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>, ost.gpu_kernel = @ost_kernels::@w4a16_gemv} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x1xf32> -> tensor<1x8x32xf32>
  return %y : tensor<1x8x32xf32>
}
