// RUN: ost-opt %s --convert-ost-to-cpu | FileCheck %s

// One decoder layer, W4A4 with a KV4 cache: the q/k/v projections share one
// activation quantization with the online Hadamard fused into it; the head
// writes only the requested rows into the step's output.

// CHECK: module attributes {{.*}}ost.model_info = #ost.model_info<vocab_size = 16, num_layers = 1, num_kv_heads = 2, head_dim = 4, max_positions = 32, k_bits = 4, v_bits = 4, k_clip = 1.000000e+00 : f32, v_clip = 0.89{{[0-9]+}} : f32, embedding_bytes = 512>
// CHECK: func.func private @ostrt_quantize_act({{.*}}) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @ost_step(
// CHECK-SAME:    %[[CTX:.*]]: !llvm.ptr, %[[IDS:.*]]: memref<?xi64>, %[[POS:.*]]: i64, %[[LOGITS:.*]]: memref<?x?xf32>)
// CHECK-SAME:    llvm.emit_c_interface
// CHECK:         call @ostrt_embedding(%[[CTX]],
// CHECK:         call @ostrt_rms_norm(%[[CTX]],
// The Hadamard is fused (no ostrt_hadamard call) and q, k, v share one
// quantization.
// CHECK-NOT:     call @ostrt_hadamard
// CHECK:         call @ostrt_quantize_act(%[[CTX]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     call @ostrt_quantize_act
// CHECK-COUNT-3: call @ostrt_qgemm_w4a4(%[[CTX]],
// CHECK:         call @ostrt_rope(%[[CTX]], %{{.*}}, %{{.*}}, %{{.*}}, %[[POS]],
// CHECK:         call @ostrt_rope(%[[CTX]], %{{.*}}, %{{.*}}, %{{.*}}, %[[POS]],
// The K/V fake quantizers became the cache's: no ostrt_fake_quant.
// CHECK-NOT:     call @ostrt_fake_quant
// CHECK:         call @ostrt_attention(%[[CTX]], %c0_i64, %{{.*}}, %{{.*}}, %{{.*}}, %[[POS]],
// o_proj has no activation spec: W4A16.
// CHECK:         call @ostrt_qgemm_w4a16(%[[CTX]],
// The residual add is a 16-lane loop plus a scalar tail.
// CHECK:         scf.for
// CHECK:           vector.load {{.*}} : memref<?xf32>, vector<16xf32>
// CHECK:           arith.addf {{.*}} : vector<16xf32>
// CHECK:         scf.for
// CHECK:           memref.load
// SiLU's exp is a polynomial, not a libm call.
// CHECK-NOT:     math.exp
// CHECK:         %[[R:.*]] = memref.dim %[[LOGITS]], %c0
// CHECK:         %[[TAIL:.*]] = memref.subview
// CHECK:         call @ostrt_linear_f32(%[[CTX]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK:         return
// CHECK-NOT:     memref.copy
// Weights are re-packed for the kernels: [8, 128/2] bytes.
// CHECK:         memref.global "private" constant @__ost_qweight_{{[0-9]+}} : memref<512xi8>

#act = #ost.qspec<4, asym, per_token>
#w = #ost.qspec<4, sym, per_channel>
#kv = #ost.qspec<4, asym, per_token>
#v = #ost.qspec<4, asym, per_token, clip = 0.9>
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x16xf32> {
  %c1 = arith.constant 1 : index
  %table = arith.constant dense<0.5> : tensor<16x8xf32>
  %norm = arith.constant dense<1.0> : tensor<8xf32>
  %cos = arith.constant dense<1.0> : tensor<32x2xf32>
  %sin = arith.constant dense<0.0> : tensor<32x2xf32>
  %wq = arith.constant dense<17> : tensor<8x4xi8>
  %sq = arith.constant dense<0.1> : tensor<8x1xf32>
  %head = arith.constant dense<0.25> : tensor<16x8xf32>
  %x = ost.embedding %table[%ids] : tensor<16x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %n = ost.rms_norm %x weight %norm {epsilon = 1.0e-5 : f64} : tensor<?x?x8xf32>, tensor<8xf32>
  %h = ost.online_hadamard %n : tensor<?x?x8xf32>
  %q = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<?x?x8xf32>, tensor<8x4xi8>, tensor<8x1xf32> -> tensor<?x?x8xf32>
  %k = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<?x?x8xf32>, tensor<8x4xi8>, tensor<8x1xf32> -> tensor<?x?x8xf32>
  %v = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<?x?x8xf32>, tensor<8x4xi8>, tensor<8x1xf32> -> tensor<?x?x8xf32>
  %b = tensor.dim %q, %c1 : tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %bt = tensor.dim %q, %c0 : tensor<?x?x8xf32>
  %qe = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [%bt, %b, 2, 4] : tensor<?x?x8xf32> into tensor<?x?x2x4xf32>
  %ke = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [%bt, %b, 2, 4] : tensor<?x?x8xf32> into tensor<?x?x2x4xf32>
  %ve = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [%bt, %b, 2, 4] : tensor<?x?x8xf32> into tensor<?x?x2x4xf32>
  %cs = tensor.extract_slice %cos[0, 0] [%b, 2] [1, 1] : tensor<32x2xf32> to tensor<?x2xf32>
  %ss = tensor.extract_slice %sin[0, 0] [%b, 2] [1, 1] : tensor<32x2xf32> to tensor<?x2xf32>
  %qr = ost.rope %qe, %cs, %ss : tensor<?x?x2x4xf32>, tensor<?x2xf32>, tensor<?x2xf32>
  %kr = ost.rope %ke, %cs, %ss : tensor<?x?x2x4xf32>, tensor<?x2xf32>, tensor<?x2xf32>
  %kq = ost.fake_quant %kr {spec = #kv} : tensor<?x?x2x4xf32>
  %vq = ost.fake_quant %ve {spec = #v} : tensor<?x?x2x4xf32>
  %a = ost.attention %qr, %kq, %vq {causal} : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>
  %ac = tensor.collapse_shape %a [[0], [1], [2, 3]] : tensor<?x?x2x4xf32> into tensor<?x?x8xf32>
  %o = ost.qlinear %ac, %wq, %sq {weight_spec = #w} : tensor<?x?x8xf32>, tensor<8x4xi8>, tensor<8x1xf32> -> tensor<?x?x8xf32>
  %r = ost.add %x, %o : tensor<?x?x8xf32>
  %g = ost.silu %r : tensor<?x?x8xf32>
  %m = ost.mul %g, %r : tensor<?x?x8xf32>
  %y = ost.lm_head %m, %head : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
