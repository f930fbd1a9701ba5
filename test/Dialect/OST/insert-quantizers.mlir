// RUN: ost-opt %s --ost-insert-quantizers | FileCheck %s
// RUN: ost-opt %s --ost-insert-quantizers="bits=W4A4KV16 act-clip=0.5" | FileCheck %s --check-prefix=A4
// RUN: ost-opt %s --ost-insert-quantizers="bits=w4a16 weights=true" | FileCheck %s --check-prefix=W4
// RUN: ost-opt %s --ost-insert-quantizers="bits=W4A16KV16" | FileCheck %s --check-prefix=NONE
// RUN: ost-opt %s --ost-insert-quantizers="bits=W16A16KV2 kv-clip=0.5" | FileCheck %s --check-prefix=KV
// RUN: ost-opt %s --ost-insert-transforms=qk-hadamard=true --ost-insert-quantizers="bits=W4A4KV4 weights=true weight-clip-search=0" | FileCheck %s --check-prefix=UNFOLDED
// RUN: ost-opt %s --ost-insert-transforms="pairs=none qk-hadamard=true" --ost-fold-transforms --ost-insert-quantizers | FileCheck %s --check-prefix=FOLDED

// One decoder layer (d = 8, 2 query heads over 1 KV head of 4, MLP 12) with
// constant weights, unit norms, embedding and head.
func.func @forward(%ids: tensor<1x3xi64>, %cos: tensor<3x2xf32>, %sin: tensor<3x2xf32>) -> tensor<1x3x16xf32> {
  %emb = arith.constant dense<0.25> : tensor<16x8xf32>
  %wq = arith.constant dense<0.5> : tensor<8x8xf32>
  %wk = arith.constant dense<0.25> : tensor<4x8xf32>
  %wv = arith.constant dense<-0.5> : tensor<4x8xf32>
  %wo = arith.constant dense<0.125> : tensor<8x8xf32>
  %wg = arith.constant dense<0.75> : tensor<12x8xf32>
  %wu = arith.constant dense<-0.25> : tensor<12x8xf32>
  %wd = arith.constant dense<0.5> : tensor<8x12xf32>
  %head = arith.constant dense<1.0> : tensor<16x8xf32>
  %x = ost.embedding %emb[%ids] : tensor<16x8xf32>, tensor<1x3xi64> -> tensor<1x3x8xf32>
  %n = ost.rms_norm %x : tensor<1x3x8xf32>
  %q = ost.linear %n, %wq {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  %k = ost.linear %n, %wk {role = #ost.role<k_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<4x8xf32> -> tensor<1x3x4xf32>
  %v = ost.linear %n, %wv {role = #ost.role<v_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<4x8xf32> -> tensor<1x3x4xf32>
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 3, 2, 4] : tensor<1x3x8xf32> into tensor<1x3x2x4xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 3, 1, 4] : tensor<1x3x4xf32> into tensor<1x3x1x4xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 3, 1, 4] : tensor<1x3x4xf32> into tensor<1x3x1x4xf32>
  %qr = ost.rope %q4, %cos, %sin : tensor<1x3x2x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  %kr = ost.rope %k4, %cos, %sin : tensor<1x3x1x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  %att = ost.attention %qr, %kr, %v4 {causal} : tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>, tensor<1x3x1x4xf32>
  %a = tensor.collapse_shape %att [[0], [1], [2, 3]] : tensor<1x3x2x4xf32> into tensor<1x3x8xf32>
  %o = ost.linear %a, %wo {role = #ost.role<o_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  %x1 = ost.add %x, %o : tensor<1x3x8xf32>
  %n2 = ost.rms_norm %x1 : tensor<1x3x8xf32>
  %g = ost.linear %n2, %wg {role = #ost.role<gate_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %u = ost.linear %n2, %wu {role = #ost.role<up_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %sg = ost.silu %g : tensor<1x3x12xf32>
  %m = ost.mul %sg, %u : tensor<1x3x12xf32>
  %d = ost.linear %m, %wd {role = #ost.role<down_proj>, layer = 0 : i64} : tensor<1x3x12xf32>, tensor<8x12xf32> -> tensor<1x3x8xf32>
  %x2 = ost.add %x1, %d : tensor<1x3x8xf32>
  %nf = ost.rms_norm %x2 : tensor<1x3x8xf32>
  %logits = ost.lm_head %nf, %head : tensor<1x3x8xf32>, tensor<16x8xf32> -> tensor<1x3x16xf32>
  return %logits : tensor<1x3x16xf32>
}

// W4A4KV4 (METHOD.md §6): one shared quantizer for q/k/v, per token per head
// (group = head_dim) before o_proj, K after RoPE and V in their per-head
// [B, T, Hkv, dh] form, one shared quantizer for gate/up and one before
// down. Weights, the embedding, the query and the head stay in float.
// CHECK-LABEL: func.func @forward
// CHECK: %[[WQ:.+]] = arith.constant dense<5.000000e-01> : tensor<8x8xf32>
// CHECK: %[[X:.+]] = ost.embedding
// CHECK: %[[N:.+]] = ost.rms_norm %[[X]]
// CHECK: %[[NQ:.+]] = ost.fake_quant %[[N]] {spec = #ost.qspec<4, asym, per_token>} : tensor<1x3x8xf32>
// CHECK: ost.linear %[[NQ]], %[[WQ]] {{.*}}q_proj
// CHECK: ost.linear %[[NQ]], {{.*}}k_proj
// CHECK: ost.linear %[[NQ]], {{.*}}v_proj
// CHECK: tensor.expand_shape {{.*}} into tensor<1x3x1x4xf32>
// CHECK: %[[V4:.+]] = tensor.expand_shape {{.*}} into tensor<1x3x1x4xf32>
// CHECK: %[[V4Q:.+]] = ost.fake_quant %[[V4]] {spec = #ost.qspec<4, asym, per_token>} : tensor<1x3x1x4xf32>
// CHECK: %[[QR:.+]] = ost.rope
// CHECK: %[[KR:.+]] = ost.rope
// CHECK: %[[KRQ:.+]] = ost.fake_quant %[[KR]] {spec = #ost.qspec<4, asym, per_token>} : tensor<1x3x1x4xf32>
// CHECK: %[[ATT:.+]] = ost.attention %[[QR]], %[[KRQ]], %[[V4Q]] {causal}
// CHECK: %[[A:.+]] = tensor.collapse_shape %[[ATT]]
// CHECK: %[[AQ:.+]] = ost.fake_quant %[[A]] {spec = #ost.qspec<4, asym, per_token, group = 4>} : tensor<1x3x8xf32>
// CHECK: ost.linear %[[AQ]], {{.*}}o_proj
// CHECK: %[[N2:.+]] = ost.rms_norm
// CHECK: %[[N2Q:.+]] = ost.fake_quant %[[N2]] {spec = #ost.qspec<4, asym, per_token>} : tensor<1x3x8xf32>
// CHECK: ost.linear %[[N2Q]], {{.*}}gate_proj
// CHECK: ost.linear %[[N2Q]], {{.*}}up_proj
// CHECK: %[[M:.+]] = ost.mul
// CHECK: %[[MQ:.+]] = ost.fake_quant %[[M]] {spec = #ost.qspec<4, asym, per_token>} : tensor<1x3x12xf32>
// CHECK: ost.linear %[[MQ]], {{.*}}down_proj
// CHECK-NOT: ost.fake_quant
// CHECK: ost.lm_head

// W4A4KV16: the four activation sites with the clip ratio, no K/V quantizer.
// A4-LABEL: func.func @forward
// A4-COUNT-2: ost.fake_quant {{.*}} {spec = #ost.qspec<4, asym, per_token, {{(group = 4, )?}}clip = 5.000000e-01>} : tensor<1x3x8xf32>
// A4-COUNT-2: ost.fake_quant {{.*}} {spec = #ost.qspec<4, asym, per_token, clip = 5.000000e-01>}
// A4-NOT: ost.fake_quant

// W4A16 training (weights=true): a per-output-channel weight quantizer with
// the clip search on each of the seven projections, nothing else.
// W4-LABEL: func.func @forward
// W4-NOT: ost.fake_quant {{.*}} : tensor<1x3
// W4-COUNT-7: ost.fake_quant {{.*}} {clip_search = 2.000000e+00 : f64, spec = #ost.qspec<4, sym, per_channel>} : tensor<{{[0-9]+}}x{{[0-9]+}}xf32>
// W4-NOT: ost.fake_quant
// W4: ost.lm_head

// W4A16KV16 without weights=true quantizes nothing in the graph (weights
// are quantized by ost-quantize-weights or ost-gptq).
// NONE-LABEL: func.func @forward
// NONE-NOT: ost.fake_quant

// KV2 alone: only K and V.
// KV-LABEL: func.func @forward
// KV-COUNT-2: ost.fake_quant {{.*}} {spec = #ost.qspec<2, asym, per_token, clip = 5.000000e-01>} : tensor<1x3x1x4xf32>
// KV-NOT: ost.fake_quant

// Before ost-fold-transforms: q/k/v read the S_attn apply, weight
// quantizers follow the transform_weight chains, K is quantized after the
// online Hadamard apply and down's input after the Hadamard apply.
// UNFOLDED-LABEL: func.func @forward
// UNFOLDED: %[[H4:.+]] = ost.hadamard : !ost.hadamard<4>
// UNFOLDED: %[[H12:.+]] = ost.hadamard : !ost.hadamard<12>
// UNFOLDED: %[[NA:.+]] = ost.apply %{{.+}} to %{{.+}} inverse : !ost.scale<8>
// UNFOLDED: %[[NAQ:.+]] = ost.fake_quant %[[NA]] {spec = #ost.qspec<4, asym, per_token>}
// UNFOLDED: %[[WQ3:.+]] = ost.transform_weight %{{.+}} side output inverse : tensor<8x8xf32>, !ost.scale<8>
// UNFOLDED: %[[WQQ:.+]] = ost.fake_quant %[[WQ3]] {spec = #ost.qspec<4, sym, per_channel>} : tensor<8x8xf32>
// UNFOLDED: ost.linear %[[NAQ]], %[[WQQ]]
// UNFOLDED: ost.rope
// UNFOLDED: ost.apply %[[H4]]
// UNFOLDED: %[[KR:.+]] = ost.rope
// UNFOLDED: %[[KH:.+]] = ost.apply %[[H4]] to %[[KR]] : !ost.hadamard<4>, tensor<1x3x1x4xf32>
// UNFOLDED: %[[KHQ:.+]] = ost.fake_quant %[[KH]] {spec = #ost.qspec<4, asym, per_token>}
// UNFOLDED: ost.attention %{{.+}}, %[[KHQ]], %{{.+}}
// UNFOLDED: %[[MH:.+]] = ost.apply %[[H12]] to %{{.+}} : !ost.hadamard<12>, tensor<1x3x12xf32>
// UNFOLDED: %[[MHQ:.+]] = ost.fake_quant %[[MH]] {spec = #ost.qspec<4, asym, per_token>}
// UNFOLDED: %[[WD:.+]] = ost.fake_quant %{{.+}} {spec = #ost.qspec<4, sym, per_channel>} : tensor<8x12xf32>
// UNFOLDED: ost.linear %[[MHQ]], %[[WD]]
// UNFOLDED-COUNT-1: ost.lm_head

// After folding: the same sites behind ost.online_hadamard.
// FOLDED-LABEL: func.func @forward
// FOLDED: ost.rope
// FOLDED: ost.online_hadamard
// FOLDED: %[[KR:.+]] = ost.rope
// FOLDED: %[[KH:.+]] = ost.online_hadamard %[[KR]] : tensor<1x3x1x4xf32>
// FOLDED: %[[KHQ:.+]] = ost.fake_quant %[[KH]] {spec = #ost.qspec<4, asym, per_token>}
// FOLDED: ost.attention %{{.+}}, %[[KHQ]], %{{.+}}
// FOLDED: %[[MH:.+]] = ost.online_hadamard %{{.+}} : tensor<1x3x12xf32>
// FOLDED: %[[MHQ:.+]] = ost.fake_quant %[[MH]] {spec = #ost.qspec<4, asym, per_token>}
// FOLDED: ost.linear %[[MHQ]], {{.*}}down_proj
