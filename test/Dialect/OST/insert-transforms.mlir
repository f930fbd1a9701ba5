// RUN: ost-opt %s --ost-insert-transforms --split-input-file | FileCheck %s
// RUN: ost-opt %s --ost-insert-transforms="pairs=res,ud down-hadamard=false" | FileCheck %s --check-prefix=SUB
// RUN: ost-opt %s --ost-insert-transforms="pairs=none qk-hadamard=true" | FileCheck %s --check-prefix=HAD
// RUN: ost-opt %s --ost-insert-transforms="qk-hadamard=true" --split-input-file | ost-opt --ost-verify-transform-pairs --split-input-file | FileCheck %s --check-prefix=PAIRED

// One decoder layer (d = 8, 2 query heads over 1 KV head of 4, MLP 12) with
// unit norms, embedding and head.
func.func @forward(%ids: tensor<1x3xi64>, %emb: tensor<16x8xf32>,
                   %cos: tensor<3x2xf32>, %sin: tensor<3x2xf32>,
                   %wq: tensor<8x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>,
                   %wo: tensor<8x8xf32>, %wg: tensor<12x8xf32>, %wu: tensor<12x8xf32>,
                   %wd: tensor<8x12xf32>, %head: tensor<16x8xf32>) -> tensor<1x3x16xf32> {
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

// Every pair of METHOD.md §2.3, one parameter each, in activation order on
// every weight (R_res innermost on inputs, S_ov before R_ov).
// CHECK-LABEL: func.func @forward
// CHECK-SAME: %[[IDS:[^:]+]]: tensor<1x3xi64>, %[[EMB:[^:]+]]: tensor<16x8xf32>
// CHECK-SAME: %[[WQ:[^:]+]]: tensor<8x8xf32>, %[[WK:[^:]+]]: tensor<4x8xf32>, %[[WV:[^:]+]]: tensor<4x8xf32>, %[[WO:[^:]+]]: tensor<8x8xf32>, %[[WG:[^:]+]]: tensor<12x8xf32>, %[[WU:[^:]+]]: tensor<12x8xf32>, %[[WD:[^:]+]]: tensor<8x12xf32>, %[[HEAD:[^:]+]]: tensor<16x8xf32>
// CHECK: %[[R:.+]] = ost.param "R_res" {init = #ost.init<hadamard>} : !ost.rotation<8>
// CHECK: %[[SA:.+]] = ost.param "layers.0.S_attn" {init = #ost.init<ones>} : !ost.scale<8>
// CHECK: %[[SF:.+]] = ost.param "layers.0.S_ffn" {init = #ost.init<ones>} : !ost.scale<8>
// S_qk: one scale per rotate_half pair (i, i + 2), expanded per KV head, then
// over the 2 query heads of the group.
// CHECK: %[[SQK:.+]] = ost.param "layers.0.S_qk" {init = #ost.init<ones>} : !ost.scale<2>
// CHECK: %[[SK:.+]] = ost.repeat_heads %[[SQK]] {head_dim = 2 : i64, repeats = 2 : i64} : !ost.scale<2> -> !ost.scale<4>
// CHECK: %[[SQ:.+]] = ost.repeat_heads %[[SK]] {head_dim = 4 : i64, repeats = 2 : i64} : !ost.scale<4> -> !ost.scale<8>
// CHECK: %[[SOV:.+]] = ost.param "layers.0.S_ov" {init = #ost.init<ones>} : !ost.scale<4>
// CHECK: %[[SOVQ:.+]] = ost.repeat_heads %[[SOV]] {head_dim = 4 : i64, repeats = 2 : i64} : !ost.scale<4> -> !ost.scale<8>
// CHECK: %[[ROV:.+]] = ost.param "layers.0.R_ov" {init = #ost.init<hadamard>} : !ost.block_rotation<1 x 4>
// CHECK: %[[ROVQ:.+]] = ost.repeat_heads %[[ROV]] {head_dim = 4 : i64, repeats = 2 : i64} : !ost.block_rotation<1 x 4> -> !ost.block_rotation<2 x 4>
// CHECK: %[[SUD:.+]] = ost.param "layers.0.S_ud" {init = #ost.init<ones>} : !ost.scale<12>
// CHECK: %[[H12:.+]] = ost.hadamard : !ost.hadamard<12>
// CHECK: %[[X:.+]] = ost.embedding %[[EMB]][%[[IDS]]]
// CHECK: %[[XR:.+]] = ost.apply %[[R]] to %[[X]] : !ost.rotation<8>
// CHECK: %[[N:.+]] = ost.rms_norm %[[XR]]
// CHECK: %[[NA:.+]] = ost.apply %[[SA]] to %[[N]] inverse
// CHECK: %[[Q1:.+]] = ost.transform_weight %[[WQ]] by %[[R]] side input :
// CHECK: %[[Q2:.+]] = ost.transform_weight %[[Q1]] by %[[SA]] side input inverse
// CHECK: %[[Q3:.+]] = ost.transform_weight %[[Q2]] by %[[SQ]] side output inverse
// CHECK: ost.linear %[[NA]], %[[Q3]]
// CHECK: %[[K1:.+]] = ost.transform_weight %[[WK]] by %[[R]] side input :
// CHECK: %[[K2:.+]] = ost.transform_weight %[[K1]] by %[[SA]] side input inverse
// CHECK: %[[K3:.+]] = ost.transform_weight %[[K2]] by %[[SK]] side output :
// CHECK: ost.linear %[[NA]], %[[K3]]
// CHECK: %[[V1:.+]] = ost.transform_weight %[[WV]] by %[[R]] side input :
// CHECK: %[[V2:.+]] = ost.transform_weight %[[V1]] by %[[SA]] side input inverse
// CHECK: %[[V3:.+]] = ost.transform_weight %[[V2]] by %[[SOV]] side output inverse
// CHECK: %[[V4:.+]] = ost.transform_weight %[[V3]] by %[[ROV]] side output :
// CHECK: ost.linear %[[NA]], %[[V4]]
// No online op for Q/K/V without qk-hadamard.
// CHECK-NOT: ost.apply
// CHECK: ost.attention
// CHECK: %[[O1:.+]] = ost.transform_weight %[[WO]] by %[[R]] side output :
// CHECK: %[[O2:.+]] = ost.transform_weight %[[O1]] by %[[SOVQ]] side input inverse
// CHECK: %[[O3:.+]] = ost.transform_weight %[[O2]] by %[[ROVQ]] side input :
// CHECK: %[[O:.+]] = ost.linear %{{.+}}, %[[O3]]
// CHECK: %[[X1:.+]] = ost.add %[[XR]], %[[O]]
// CHECK: %[[N2:.+]] = ost.rms_norm %[[X1]]
// CHECK: %[[NF:.+]] = ost.apply %[[SF]] to %[[N2]] inverse
// CHECK: %[[G1:.+]] = ost.transform_weight %[[WG]] by %[[R]] side input :
// CHECK: %[[G2:.+]] = ost.transform_weight %[[G1]] by %[[SF]] side input inverse
// CHECK: ost.linear %[[NF]], %[[G2]]
// CHECK: %[[U1:.+]] = ost.transform_weight %[[WU]] by %[[R]] side input :
// CHECK: %[[U2:.+]] = ost.transform_weight %[[U1]] by %[[SF]] side input inverse
// CHECK: %[[U3:.+]] = ost.transform_weight %[[U2]] by %[[SUD]] side output inverse
// CHECK: ost.linear %[[NF]], %[[U3]]
// The exactly equivalent order of METHOD.md §2.4: W·diag(s)·𝓗ᵀ.
// CHECK: %[[M:.+]] = ost.mul
// CHECK: %[[MH:.+]] = ost.apply %[[H12]] to %[[M]] : !ost.hadamard<12>
// CHECK: %[[D1:.+]] = ost.transform_weight %[[WD]] by %[[R]] side output :
// CHECK: %[[D2:.+]] = ost.transform_weight %[[D1]] by %[[SUD]] side input inverse
// CHECK: %[[D3:.+]] = ost.transform_weight %[[D2]] by %[[H12]] side input :
// CHECK: ost.linear %[[MH]], %[[D3]]
// CHECK: %[[NL:.+]] = ost.rms_norm
// CHECK: %[[HW:.+]] = ost.transform_weight %[[HEAD]] by %[[R]] side input :
// CHECK: ost.lm_head %[[NL]], %[[HW]]

// A subset: only the parameters asked for, no online Hadamard.
// SUB-LABEL: func.func @forward
// SUB: ost.param "R_res"
// SUB-NEXT: ost.param "layers.0.S_ud"
// SUB-NOT: ost.param
// SUB-NOT: ost.hadamard
// SUB-NOT: online

// Only the fixed Hadamards on Q and K after RoPE and before down_proj.
// HAD-LABEL: func.func @forward
// HAD-NOT: ost.param
// HAD: %[[H4:.+]] = ost.hadamard : !ost.hadamard<4>
// HAD: %[[H12:.+]] = ost.hadamard : !ost.hadamard<12>
// HAD: %[[QR:.+]] = ost.rope
// HAD: %[[QH:.+]] = ost.apply %[[H4]] to %[[QR]] : !ost.hadamard<4>, tensor<1x3x2x4xf32>
// HAD: %[[KR:.+]] = ost.rope
// HAD: %[[KH:.+]] = ost.apply %[[H4]] to %[[KR]] : !ost.hadamard<4>, tensor<1x3x1x4xf32>
// HAD: ost.attention %[[QH]], %[[KH]],
// HAD: ost.apply %[[H12]] to
// HAD-NOT: ost.param

// The result passes the pair checker.
// PAIRED-LABEL: func.func @forward
// PAIRED: ost.param "R_res"

// -----

// llama2.c's interleaved RoPE pairs channels 2i and 2i+1, so S_qk repeats
// each scale twice in place; without GQA nothing is repeated per group.
func.func @interleaved(%x: tensor<1x3x8xf32>, %cos: tensor<3x2xf32>, %sin: tensor<3x2xf32>,
                       %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>,
                       %wo: tensor<8x8xf32>) -> tensor<1x3x8xf32> {
  %q = ost.linear %x, %wq : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  %k = ost.linear %x, %wk : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  %v = ost.linear %x, %wv : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 3, 2, 4] : tensor<1x3x8xf32> into tensor<1x3x2x4xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 3, 2, 4] : tensor<1x3x8xf32> into tensor<1x3x2x4xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 3, 2, 4] : tensor<1x3x8xf32> into tensor<1x3x2x4xf32>
  %qr = ost.rope %q4, %cos, %sin {layout = #ost.rope_layout<interleaved>} : tensor<1x3x2x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  %kr = ost.rope %k4, %cos, %sin {layout = #ost.rope_layout<interleaved>} : tensor<1x3x2x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  %att = ost.attention %qr, %kr, %v4 {causal} : tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>
  %a = tensor.collapse_shape %att [[0], [1], [2, 3]] : tensor<1x3x2x4xf32> into tensor<1x3x8xf32>
  %o = ost.linear %a, %wo : tensor<1x3x8xf32>, tensor<8x8xf32> -> tensor<1x3x8xf32>
  return %o : tensor<1x3x8xf32>
}
// CHECK-LABEL: func.func @interleaved
// CHECK: %[[SQK:.+]] = ost.param "layers.0.S_qk" {init = #ost.init<ones>} : !ost.scale<4>
// CHECK: %[[SK:.+]] = ost.repeat_heads %[[SQK]] {head_dim = 1 : i64, repeats = 2 : i64} : !ost.scale<4> -> !ost.scale<8>
// CHECK-DAG: ost.transform_weight %{{.+}} by %[[SK]] side output inverse
// CHECK-DAG: ost.transform_weight %{{.+}} by %[[SK]] side output :
// CHECK-DAG: ost.param "layers.0.S_ov" {init = #ost.init<ones>} : !ost.scale<8>
// CHECK-DAG: ost.param "layers.0.R_ov" {init = #ost.init<hadamard>} : !ost.block_rotation<2 x 4>
// CHECK-NOT: ost.repeat_heads
// CHECK: return
