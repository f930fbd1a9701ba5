// RUN: ost-opt %s | ost-opt | FileCheck %s
// RUN: ost-opt %s --mlir-print-op-generic | ost-opt | FileCheck %s
// Round trip of every OST op: parse -> print -> parse (custom and generic).

// CHECK-LABEL: func @model_ops
func.func @model_ops(%ids: tensor<1x8xi64>, %table: tensor<512x64xf32>,
                     %g: tensor<64xf32>, %w: tensor<64x64xf32>,
                     %wkv: tensor<32x64xf32>, %b: tensor<64xf32>,
                     %cos: tensor<8x4xf32>, %sin: tensor<8x4xf32>,
                     %mask: tensor<8x8xf32>) -> tensor<1x8x512xf32> {
  // CHECK: ost.embedding %{{.*}}[%{{.*}}] : tensor<512x64xf32>, tensor<1x8xi64> -> tensor<1x8x64xf32>
  %h = ost.embedding %table[%ids] : tensor<512x64xf32>, tensor<1x8xi64> -> tensor<1x8x64xf32>
  // CHECK: ost.rms_norm %{{.*}} weight %{{.*}} {epsilon = 1.250000e-01 : f64} : tensor<1x8x64xf32>, tensor<64xf32>
  %n = ost.rms_norm %h weight %g {epsilon = 0.125 : f64} : tensor<1x8x64xf32>, tensor<64xf32>
  // CHECK: ost.rms_norm %{{.*}} : tensor<1x8x64xf32>
  %u = ost.rms_norm %h : tensor<1x8x64xf32>
  // CHECK: ost.linear %{{.*}}, %{{.*}} {layer = 0 : i64, role = #ost.role<q_proj>} : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  %q = ost.linear %n, %w {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  // CHECK: ost.linear %{{.*}}, %{{.*}} bias %{{.*}} : tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  %qb = ost.linear %n, %w bias %b : tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  %k = ost.linear %n, %wkv {role = #ost.role<k_proj>} : tensor<1x8x64xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
  %v = ost.linear %n, %wkv {role = #ost.role<v_proj>} : tensor<1x8x64xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 8, 8, 8] : tensor<1x8x64xf32> into tensor<1x8x8x8xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 8, 4, 8] : tensor<1x8x32xf32> into tensor<1x8x4x8xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 8, 4, 8] : tensor<1x8x32xf32> into tensor<1x8x4x8xf32>
  // CHECK: ost.rope %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>
  %qr = ost.rope %q4, %cos, %sin : tensor<1x8x8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>
  // CHECK: ost.rope %{{.*}}, %{{.*}}, %{{.*}} {layout = #ost.rope_layout<interleaved>} : tensor<1x8x4x8xf32>
  %kr = ost.rope %k4, %cos, %sin {layout = #ost.rope_layout<interleaved>} : tensor<1x8x4x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>
  // CHECK: ost.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} : tensor<1x8x8x8xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32>
  %o = ost.attention %qr, %kr, %v4 {causal} : tensor<1x8x8x8xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32>
  // CHECK: ost.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} {scale = 2.500000e-01 : f64} : tensor<1x8x8x8xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32>, tensor<8x8xf32>
  %om = ost.attention %qr, %kr, %v4 mask %mask {scale = 0.25 : f64} : tensor<1x8x8x8xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32>, tensor<8x8xf32>
  // CHECK: ost.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x8x8x8xf32> -> tensor<1x8x8x8xf32>
  %ot = ost.transpose %om [0, 2, 1, 3] : tensor<1x8x8x8xf32> -> tensor<1x8x8x8xf32>
  %o3 = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<1x8x8x8xf32> into tensor<1x8x64xf32>
  // CHECK: ost.silu %{{.*}} : tensor<1x8x64xf32>
  %s = ost.silu %o3 : tensor<1x8x64xf32>
  // CHECK: ost.mul %{{.*}}, %{{.*}} : tensor<1x8x64xf32>
  %m = ost.mul %s, %qb : tensor<1x8x64xf32>
  // CHECK: ost.add %{{.*}}, %{{.*}} : tensor<1x8x64xf32>
  %r = ost.add %h, %m : tensor<1x8x64xf32>
  // CHECK: ost.lm_head %{{.*}}, %{{.*}} : tensor<1x8x64xf32>, tensor<512x64xf32> -> tensor<1x8x512xf32>
  %logits = ost.lm_head %r, %table : tensor<1x8x64xf32>, tensor<512x64xf32> -> tensor<1x8x512xf32>
  return %logits : tensor<1x8x512xf32>
}

// CHECK-LABEL: func @dynamic_shapes
func.func @dynamic_shapes(%x: tensor<?x?x64xf32>, %w: tensor<32x64xf32>) -> tensor<?x?x32xf32> {
  // CHECK: ost.linear %{{.*}}, %{{.*}} : tensor<?x?x64xf32>, tensor<32x64xf32> -> tensor<?x?x32xf32>
  %y = ost.linear %x, %w : tensor<?x?x64xf32>, tensor<32x64xf32> -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// CHECK-LABEL: func @transform_ops
func.func @transform_ops(%x: tensor<1x8x64xf32>, %w: tensor<32x64xf32>,
                         %wo: tensor<64x32xf32>, %b: tensor<64xf32>,
                         %m: tensor<1x8x172xf32>, %wd: tensor<64x172xf32>)
    -> (tensor<1x8x64xf32>, tensor<32x64xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<1x8x172xf32>, tensor<64x172xf32>) {
  // CHECK: ost.param "R_res" {init = #ost.init<hadamard, seed = 7>} : !ost.rotation<64>
  %r = ost.param "R_res" {init = #ost.init<hadamard, seed = 7>} : !ost.rotation<64>
  // CHECK: ost.param "layers.0.R_ov" {init = #ost.init<womi>} : !ost.block_rotation<8 x 8>
  %rov = ost.param "layers.0.R_ov" {init = #ost.init<womi>} : !ost.block_rotation<8 x 8>
  // CHECK: ost.param "layers.0.S_attn" {init = #ost.init<ones>, value = dense<1.000000e+00> : tensor<64xf32>} : !ost.scale<64>
  %s = ost.param "layers.0.S_attn" {init = #ost.init<ones>, value = dense<1.0> : tensor<64xf32>} : !ost.scale<64>
  // CHECK: ost.param "R_rand" {init = #ost.init<random_orthogonal, seed = 3>} : !ost.rotation<64>
  %rr = ost.param "R_rand" {init = #ost.init<random_orthogonal, seed = 3>} : !ost.rotation<64>
  // CHECK: ost.param "R_id" {init = #ost.init<identity>} : !ost.rotation<32>
  %rid = ost.param "R_id" {init = #ost.init<identity>} : !ost.rotation<32>
  // CHECK: ost.repeat_heads %{{.*}} {head_dim = 8 : i64, repeats = 2 : i64} : !ost.block_rotation<8 x 8> -> !ost.block_rotation<16 x 8>
  %rov2 = ost.repeat_heads %rov {head_dim = 8 : i64, repeats = 2 : i64} : !ost.block_rotation<8 x 8> -> !ost.block_rotation<16 x 8>
  // CHECK: ost.repeat_heads %{{.*}} {head_dim = 8 : i64, repeats = 2 : i64} : !ost.scale<64> -> !ost.scale<128>
  %s2 = ost.repeat_heads %s {head_dim = 8 : i64, repeats = 2 : i64} : !ost.scale<64> -> !ost.scale<128>
  // CHECK: ost.hadamard : !ost.hadamard<172>
  %h = ost.hadamard : !ost.hadamard<172>
  // CHECK: ost.apply %{{.*}} to %{{.*}} : !ost.rotation<64>, tensor<1x8x64xf32>
  %xr = ost.apply %r to %x : !ost.rotation<64>, tensor<1x8x64xf32>
  // CHECK: ost.apply %{{.*}} to %{{.*}} inverse : !ost.scale<64>, tensor<1x8x64xf32>
  %xs = ost.apply %s to %xr inverse : !ost.scale<64>, tensor<1x8x64xf32>
  // CHECK: ost.apply %{{.*}} to %{{.*}} : !ost.block_rotation<8 x 8>, tensor<1x8x64xf32>
  %xb = ost.apply %rov to %xs : !ost.block_rotation<8 x 8>, tensor<1x8x64xf32>
  %xrr = ost.apply %rr to %xb : !ost.rotation<64>, tensor<1x8x64xf32>
  // CHECK: ost.transform_weight %{{.*}} by %{{.*}} side input : tensor<32x64xf32>, !ost.rotation<64>
  %w1 = ost.transform_weight %w by %r side input : tensor<32x64xf32>, !ost.rotation<64>
  // CHECK: ost.transform_weight %{{.*}} by %{{.*}} side output inverse : tensor<64x32xf32>, !ost.rotation<64>
  %w2 = ost.transform_weight %wo by %r side output inverse : tensor<64x32xf32>, !ost.rotation<64>
  %w3 = ost.transform_weight %w2 by %rid side input : tensor<64x32xf32>, !ost.rotation<32>
  // CHECK: ost.transform_weight %{{.*}} by %{{.*}} side output : tensor<64xf32>, !ost.scale<64>
  %b1 = ost.transform_weight %b by %s side output : tensor<64xf32>, !ost.scale<64>
  // CHECK: ost.online_hadamard %{{.*}} : tensor<1x8x172xf32>
  %mh = ost.online_hadamard %m : tensor<1x8x172xf32>
  // CHECK: ost.online_hadamard %{{.*}} transpose : tensor<1x8x172xf32>
  %mt = ost.online_hadamard %mh transpose : tensor<1x8x172xf32>
  // CHECK: ost.transform_weight %{{.*}} by %{{.*}} side input : tensor<64x172xf32>, !ost.hadamard<172>
  %wd1 = ost.transform_weight %wd by %h side input : tensor<64x172xf32>, !ost.hadamard<172>
  return %xrr, %w1, %w3, %b1, %mt, %wd1 : tensor<1x8x64xf32>, tensor<32x64xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<1x8x172xf32>, tensor<64x172xf32>
}

// CHECK-LABEL: func @quant_ops
func.func @quant_ops(%x: tensor<1x8x64xf32>, %w: tensor<32x32xi8>, %s: tensor<32x1xf32>,
                     %wg: tensor<32x32xi8>, %sg: tensor<32x4xf32>, %zg: tensor<32x4xi8>,
                     %b: tensor<32xf32>)
    -> (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>) {
  // CHECK: ost.fake_quant %{{.*}} {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>
  %f = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>
  // CHECK: ost.fake_quant %{{.*}} {spec = #ost.qspec<4, asym, per_token, group = 16, clip = 9.000000e-01>}
  %fg = ost.fake_quant %f {spec = #ost.qspec<4, asym, per_token, group = 16, clip = 0.9>} : tensor<1x8x64xf32>
  // CHECK: ost.fake_quant %{{.*}} {spec = #ost.qspec<8, sym, per_channel, axis = 2>}
  %fc = ost.fake_quant %fg {spec = #ost.qspec<8, sym, per_channel, axis = 2>} : tensor<1x8x64xf32>
  // CHECK: ost.fake_quant %{{.*}} {spec = #ost.qspec<8, sym, per_tensor>}
  %ft = ost.fake_quant %fc {spec = #ost.qspec<8, sym, per_tensor>} : tensor<1x8x64xf32>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = ost.dynamic_quantize %{{.*}} {spec = #ost.qspec<4, asym, per_token, group = 16>} : tensor<1x8x64xf32> -> tensor<1x8x64xi8>, tensor<1x8x4xf32>, tensor<1x8x4xi8>
  %q, %qs, %qz = ost.dynamic_quantize %ft {spec = #ost.qspec<4, asym, per_token, group = 16>} : tensor<1x8x64xf32> -> tensor<1x8x64xi8>, tensor<1x8x4xf32>, tensor<1x8x4xi8>
  // CHECK: ost.dequantize %{{.*}}, %{{.*}} zero_points %{{.*}} {spec = #ost.qspec<4, asym, per_token, group = 16>} : tensor<1x8x64xi8>, tensor<1x8x4xf32>, tensor<1x8x4xi8> -> tensor<1x8x64xf32>
  %d = ost.dequantize %q, %qs zero_points %qz {spec = #ost.qspec<4, asym, per_token, group = 16>} : tensor<1x8x64xi8>, tensor<1x8x4xf32>, tensor<1x8x4xi8> -> tensor<1x8x64xf32>
  // CHECK: %{{.*}}, %{{.*}} = ost.dynamic_quantize %{{.*}} {spec = #ost.qspec<8, sym, per_token>} : tensor<1x8x64xf32> -> tensor<1x8x64xi8>, tensor<1x8x1xf32>
  %q8, %s8 = ost.dynamic_quantize %d {spec = #ost.qspec<8, sym, per_token>} : tensor<1x8x64xf32> -> tensor<1x8x64xi8>, tensor<1x8x1xf32>
  // CHECK: ost.dequantize %{{.*}}, %{{.*}} {spec = #ost.qspec<8, sym, per_token>} : tensor<1x8x64xi8>, tensor<1x8x1xf32> -> tensor<1x8x64xf32>
  %d8 = ost.dequantize %q8, %s8 {spec = #ost.qspec<8, sym, per_token>} : tensor<1x8x64xi8>, tensor<1x8x1xf32> -> tensor<1x8x64xf32>
  // CHECK: ost.qlinear %{{.*}}, %{{.*}}, %{{.*}} {act_spec = #ost.qspec<4, asym, per_token>, weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x1xf32> -> tensor<1x8x32xf32>
  %y = ost.qlinear %d8, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>, act_spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x1xf32> -> tensor<1x8x32xf32>
  // CHECK: ost.qlinear %{{.*}}, %{{.*}}, %{{.*}} zero_points(%{{.*}} : tensor<32x4xi8>) bias(%{{.*}} : tensor<32xf32>) {weight_spec = #ost.qspec<4, asym, per_channel, group = 16>} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x4xf32> -> tensor<1x8x32xf32>
  %yg = ost.qlinear %d8, %wg, %sg zero_points(%zg : tensor<32x4xi8>) bias(%b : tensor<32xf32>) {weight_spec = #ost.qspec<4, asym, per_channel, group = 16>} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x4xf32> -> tensor<1x8x32xf32>
  // CHECK: ost.qlinear %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<32xf32>) {weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x1xf32> -> tensor<1x8x32xf32>
  %yb = ost.qlinear %d8, %w, %s bias(%b : tensor<32xf32>) {weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x1xf32> -> tensor<1x8x32xf32>
  return %f, %d8, %y, %yg : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>
}
