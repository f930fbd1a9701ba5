// One LLaMA decoder layer (d = 64, 8 query heads, 4 KV heads, head_dim 8,
// MLP 172 = the Hadamard order 172) with every OSTQuant transform pair of
// METHOD.md §2.3 inserted and W4A4KV4 fake quantizers, as the calibration
// phase sees it. The residual stream %x is already in the R_res basis.
//
//   make demo         # runs scripts/demo.sh on this file
//
// Pairs (each parameter is applied somewhere and undone somewhere):
//   R_res   q/k/v/up/gate weights (input side), o/down weights (output side)
//   S_attn  input norm (÷ s) and q/k/v weights (× s on input columns)
//   S_ffn   post-attention norm and up/gate weights
//   S_qk    q rows ÷ s, k rows × s (pre-RoPE; per KV head, repeated to Q heads)
//   R_ov    v rows (Rᵀ per KV head), o input columns (repeated per Q group)
//   S_ov    v rows ÷ s, o input columns × s
//   S_ud    up rows ÷ s, down input columns × s, then the down Hadamard
//   𝓗_172   online Hadamard before down_proj; its weight side W·𝓗ᵀ
func.func @decoder_layer(%x: tensor<1x8x64xf32>, %cos: tensor<8x4xf32>, %sin: tensor<8x4xf32>,
                         %wq: tensor<64x64xf32>, %wk: tensor<32x64xf32>, %wv: tensor<32x64xf32>,
                         %wo: tensor<64x64xf32>, %wgate: tensor<172x64xf32>,
                         %wup: tensor<172x64xf32>, %wdown: tensor<64x172xf32>)
    -> tensor<1x8x64xf32> {
  %r = ost.param "R_res" {init = #ost.init<womi, seed = 42>} : !ost.rotation<64>
  %sa = ost.param "layers.0.S_attn" {init = #ost.init<ones>} : !ost.scale<64>
  %sf = ost.param "layers.0.S_ffn" {init = #ost.init<ones>} : !ost.scale<64>
  %sqk = ost.param "layers.0.S_qk" {init = #ost.init<ones>} : !ost.scale<32>
  %rov = ost.param "layers.0.R_ov" {init = #ost.init<womi, seed = 42>} : !ost.block_rotation<4 x 8>
  %sov = ost.param "layers.0.S_ov" {init = #ost.init<ones>} : !ost.scale<32>
  %sud = ost.param "layers.0.S_ud" {init = #ost.init<ones>} : !ost.scale<172>
  %h = ost.hadamard : !ost.hadamard<172>
  %sqk_q = ost.repeat_heads %sqk {head_dim = 8 : i64, repeats = 2 : i64} : !ost.scale<32> -> !ost.scale<64>
  %rov_q = ost.repeat_heads %rov {head_dim = 8 : i64, repeats = 2 : i64} : !ost.block_rotation<4 x 8> -> !ost.block_rotation<8 x 8>
  %sov_q = ost.repeat_heads %sov {head_dim = 8 : i64, repeats = 2 : i64} : !ost.scale<32> -> !ost.scale<64>

  // Attention input: RMSNorm, ÷ S_attn, 4-bit per-token activations.
  %n = ost.rms_norm %x : tensor<1x8x64xf32>
  %na = ost.apply %sa to %n inverse : !ost.scale<64>, tensor<1x8x64xf32>
  %nq = ost.fake_quant %na {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>

  // q/k/v weights: W·R_res·diag(S_attn) on the input side, S_qk / R_ov / S_ov on rows.
  %wq1 = ost.transform_weight %wq by %r side input : tensor<64x64xf32>, !ost.rotation<64>
  %wq2 = ost.transform_weight %wq1 by %sa side input inverse : tensor<64x64xf32>, !ost.scale<64>
  %wq3 = ost.transform_weight %wq2 by %sqk_q side output inverse : tensor<64x64xf32>, !ost.scale<64>
  %wk1 = ost.transform_weight %wk by %r side input : tensor<32x64xf32>, !ost.rotation<64>
  %wk2 = ost.transform_weight %wk1 by %sa side input inverse : tensor<32x64xf32>, !ost.scale<64>
  %wk3 = ost.transform_weight %wk2 by %sqk side output : tensor<32x64xf32>, !ost.scale<32>
  %wv1 = ost.transform_weight %wv by %r side input : tensor<32x64xf32>, !ost.rotation<64>
  %wv2 = ost.transform_weight %wv1 by %sa side input inverse : tensor<32x64xf32>, !ost.scale<64>
  %wv3 = ost.transform_weight %wv2 by %sov side output inverse : tensor<32x64xf32>, !ost.scale<32>
  %wv4 = ost.transform_weight %wv3 by %rov side output : tensor<32x64xf32>, !ost.block_rotation<4 x 8>
  %q = ost.linear %nq, %wq3 {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  %k = ost.linear %nq, %wk3 {role = #ost.role<k_proj>, layer = 0 : i64} : tensor<1x8x64xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
  %v = ost.linear %nq, %wv4 {role = #ost.role<v_proj>, layer = 0 : i64} : tensor<1x8x64xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>

  // Heads, RoPE, online Hadamard on Q and K, 4-bit K/V cache (per head).
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, 8, 8, 8] : tensor<1x8x64xf32> into tensor<1x8x8x8xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, 8, 4, 8] : tensor<1x8x32xf32> into tensor<1x8x4x8xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, 8, 4, 8] : tensor<1x8x32xf32> into tensor<1x8x4x8xf32>
  %qr = ost.rope %q4, %cos, %sin : tensor<1x8x8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>
  %kr = ost.rope %k4, %cos, %sin : tensor<1x8x4x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>
  %h8 = ost.hadamard : !ost.hadamard<8>
  %qh = ost.apply %h8 to %qr : !ost.hadamard<8>, tensor<1x8x8x8xf32>
  %kh = ost.apply %h8 to %kr : !ost.hadamard<8>, tensor<1x8x4x8xf32>
  %kq = ost.fake_quant %kh {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x4x8xf32>
  %vq = ost.fake_quant %v4 {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x4x8xf32>
  %att = ost.attention %qh, %kq, %vq {causal} : tensor<1x8x8x8xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32>
  %a = tensor.collapse_shape %att [[0], [1], [2, 3]] : tensor<1x8x8x8xf32> into tensor<1x8x64xf32>

  // o_proj: input per head group of 8 (group = head_dim), S_ov / R_ov on the
  // input columns (repeated over each KV group), R_res on the output rows.
  %aq = ost.fake_quant %a {spec = #ost.qspec<4, asym, per_token, group = 8>} : tensor<1x8x64xf32>
  %wo1 = ost.transform_weight %wo by %sov_q side input inverse : tensor<64x64xf32>, !ost.scale<64>
  %wo2 = ost.transform_weight %wo1 by %rov_q side input : tensor<64x64xf32>, !ost.block_rotation<8 x 8>
  %wo3 = ost.transform_weight %wo2 by %r side output : tensor<64x64xf32>, !ost.rotation<64>
  %o = ost.linear %aq, %wo3 {role = #ost.role<o_proj>, layer = 0 : i64} : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  %x1 = ost.add %x, %o : tensor<1x8x64xf32>

  // MLP: RMSNorm ÷ S_ffn, SwiGLU with S_ud on up, online 𝓗 before down.
  %n2 = ost.rms_norm %x1 : tensor<1x8x64xf32>
  %nf = ost.apply %sf to %n2 inverse : !ost.scale<64>, tensor<1x8x64xf32>
  %n2q = ost.fake_quant %nf {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>
  %wg1 = ost.transform_weight %wgate by %r side input : tensor<172x64xf32>, !ost.rotation<64>
  %wg2 = ost.transform_weight %wg1 by %sf side input inverse : tensor<172x64xf32>, !ost.scale<64>
  %wu1 = ost.transform_weight %wup by %r side input : tensor<172x64xf32>, !ost.rotation<64>
  %wu2 = ost.transform_weight %wu1 by %sf side input inverse : tensor<172x64xf32>, !ost.scale<64>
  %wu3 = ost.transform_weight %wu2 by %sud side output inverse : tensor<172x64xf32>, !ost.scale<172>
  %g = ost.linear %n2q, %wg2 {role = #ost.role<gate_proj>, layer = 0 : i64} : tensor<1x8x64xf32>, tensor<172x64xf32> -> tensor<1x8x172xf32>
  %u = ost.linear %n2q, %wu3 {role = #ost.role<up_proj>, layer = 0 : i64} : tensor<1x8x64xf32>, tensor<172x64xf32> -> tensor<1x8x172xf32>
  %sg = ost.silu %g : tensor<1x8x172xf32>
  %m = ost.mul %sg, %u : tensor<1x8x172xf32>
  %mh = ost.apply %h to %m : !ost.hadamard<172>, tensor<1x8x172xf32>
  %mq = ost.fake_quant %mh {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x172xf32>
  %wd1 = ost.transform_weight %wdown by %sud side input inverse : tensor<64x172xf32>, !ost.scale<172>
  %wd2 = ost.transform_weight %wd1 by %h side input : tensor<64x172xf32>, !ost.hadamard<172>
  %wd3 = ost.transform_weight %wd2 by %r side output : tensor<64x172xf32>, !ost.rotation<64>
  %d = ost.linear %mq, %wd3 {role = #ost.role<down_proj>, layer = 0 : i64} : tensor<1x8x172xf32>, tensor<64x172xf32> -> tensor<1x8x64xf32>
  %x2 = ost.add %x1, %d : tensor<1x8x64xf32>
  return %x2 : tensor<1x8x64xf32>
}
