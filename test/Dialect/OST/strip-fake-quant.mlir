// RUN: ost-opt %s --ost-strip-fake-quant --split-input-file | FileCheck %s
// ost-strip-fake-quant: every fake quantizer disappears, nothing else changes.

// CHECK-LABEL: func @strip_activation_and_weight_quantizers
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>, %[[W:.*]]: tensor<4x8xf32>)
// CHECK-NOT: ost.fake_quant
// CHECK: %[[Y:.*]] = ost.linear %[[X]], %[[W]]
// CHECK: ost.online_hadamard %[[Y]]
func.func @strip_activation_and_weight_quantizers(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) -> tensor<2x4xf32> {
  %xq = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>} : tensor<2x8xf32>
  %wq = ost.fake_quant %w {spec = #ost.qspec<4, sym, per_channel>} : tensor<4x8xf32>
  %y = ost.linear %xq, %wq : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  %h = ost.online_hadamard %y : tensor<2x4xf32>
  %hq = ost.fake_quant %h {spec = #ost.qspec<8, asym, per_token, group = 2>} : tensor<2x4xf32>
  return %hq : tensor<2x4xf32>
}

// -----

// Real (packed) quantization is not fake quantization and stays.
// CHECK-LABEL: func @negative_keeps_real_quantization
// CHECK: ost.dynamic_quantize
// CHECK: ost.dequantize
func.func @negative_keeps_real_quantization(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %q, %s, %z = ost.dynamic_quantize %x {spec = #ost.qspec<4, asym, per_token>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>, tensor<2x1xi8>
  %d = ost.dequantize %q, %s zero_points %z {spec = #ost.qspec<4, asym, per_token>} : tensor<2x8xi8>, tensor<2x1xf32>, tensor<2x1xi8> -> tensor<2x8xf32>
  return %d : tensor<2x8xf32>
}
