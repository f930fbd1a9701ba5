// RUN: ost-opt %s -split-input-file -verify-diagnostics
// Every verifier diagnostic of the OST dialect's ops.

// Section: ost.embedding

func.func @embedding_table_not_matrix(%t: tensor<8xf32>, %ids: tensor<1x2xi64>) {
  // expected-error @+1 {{table must be a matrix [vocab, dim], got rank 1}}
  %0 = ost.embedding %t[%ids] : tensor<8xf32>, tensor<1x2xi64> -> tensor<1x2x8xf32>
  return
}

// -----

func.func @embedding_result_rank(%t: tensor<16x8xf32>, %ids: tensor<1x2xi64>) {
  // expected-error @+1 {{result rank must be ids rank + 1 (3), got 2}}
  %0 = ost.embedding %t[%ids] : tensor<16x8xf32>, tensor<1x2xi64> -> tensor<2x8xf32>
  return
}

// -----

func.func @embedding_result_dim(%t: tensor<16x8xf32>, %ids: tensor<1x2xi64>) {
  // expected-error @+1 {{result dimension 1 (3) does not match ids dimension (2)}}
  %0 = ost.embedding %t[%ids] : tensor<16x8xf32>, tensor<1x2xi64> -> tensor<1x3x8xf32>
  return
}

// -----

func.func @embedding_feature_size(%t: tensor<16x8xf32>, %ids: tensor<1x2xi64>) {
  // expected-error @+1 {{result feature size (4) does not match the table's embedding size (8)}}
  %0 = ost.embedding %t[%ids] : tensor<16x8xf32>, tensor<1x2xi64> -> tensor<1x2x4xf32>
  return
}

// -----

func.func @embedding_element_type(%t: tensor<16x8xf32>, %ids: tensor<1x2xi64>) {
  // expected-error @+1 {{result element type must match the table's}}
  %0 = ost.embedding %t[%ids] : tensor<16x8xf32>, tensor<1x2xi64> -> tensor<1x2x8xf16>
  return
}

// Section: ost.rms_norm

// -----

func.func @rms_norm_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = ost.rms_norm %x : tensor<f32>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{epsilon must be positive, got 0}}
  %0 = ost.rms_norm %x {epsilon = 0.0 : f64} : tensor<2x8xf32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<2x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{weight size (4) does not match the normalized dimension (8)}}
  %0 = ost.rms_norm %x weight %g : tensor<2x8xf32>, tensor<4xf32>
  return
}

// Section: ost.linear / ost.lm_head

// -----

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = ost.linear %x, %w : tensor<f32>, tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @linear_result_rank(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{result rank (3) must equal input rank (2)}}
  %0 = ost.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<1x2x4xf32>
  return
}

// -----

func.func @linear_in_features(%x: tensor<2x6xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{input features (6) do not match the weight's input features (8)}}
  %0 = ost.linear %x, %w : tensor<2x6xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_out_features(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{result features (5) do not match the weight's output features (4)}}
  %0 = ost.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @linear_batch(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{result batch dimension 0 does not match the input's}}
  %0 = ost.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<3x4xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{bias size (5) does not match the output features (4)}}
  %0 = ost.linear %x, %w bias %b : tensor<2x8xf32>, tensor<4x8xf32>, tensor<5xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_layer(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{layer index must be non-negative, got -1}}
  %0 = ost.linear %x, %w {layer = -1 : i64} : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @lm_head_vocab(%x: tensor<2x8xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{result features (8) do not match the weight's output features (16)}}
  %0 = ost.lm_head %x, %w : tensor<2x8xf32>, tensor<16x8xf32> -> tensor<2x8xf32>
  return
}

// Section: ost.rope

// -----

func.func @rope_rank(%x: tensor<2x8xf32>, %c: tensor<2x4xf32>) {
  // expected-error @+1 {{input must be [batch, seq, heads, head_dim], got rank 2}}
  %0 = ost.rope %x, %c, %c : tensor<2x8xf32>, tensor<2x4xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @rope_odd_head_dim(%x: tensor<1x2x2x7xf32>, %c: tensor<2x3xf32>) {
  // expected-error @+1 {{head_dim must be even, got 7}}
  %0 = ost.rope %x, %c, %c : tensor<1x2x2x7xf32>, tensor<2x3xf32>, tensor<2x3xf32>
  return
}

// -----

func.func @rope_table_rank(%x: tensor<1x2x2x8xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{cos/sin tables must be [seq, head_dim/2] or [batch, seq, head_dim/2], got rank 1}}
  %0 = ost.rope %x, %c, %c : tensor<1x2x2x8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

func.func @rope_table_columns(%x: tensor<1x2x2x8xf32>, %c: tensor<2x8xf32>) {
  // expected-error @+1 {{cos/sin tables must have head_dim/2 = 4 columns, got 8}}
  %0 = ost.rope %x, %c, %c : tensor<1x2x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @rope_table_positions(%x: tensor<1x2x2x8xf32>, %c: tensor<3x4xf32>) {
  // expected-error @+1 {{cos/sin tables have 3 positions but the input has 2}}
  %0 = ost.rope %x, %c, %c : tensor<1x2x2x8xf32>, tensor<3x4xf32>, tensor<3x4xf32>
  return
}

// -----

func.func @rope_table_batch(%x: tensor<1x2x2x8xf32>, %c: tensor<2x2x4xf32>) {
  // expected-error @+1 {{cos/sin table batch does not match the input batch}}
  %0 = ost.rope %x, %c, %c : tensor<1x2x2x8xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>
  return
}

// -----

func.func @rope_table_types(%x: tensor<1x2x2x8xf32>, %c: tensor<2x4xf32>, %s: tensor<1x2x4xf32>) {
  // expected-error @+1 {{cos and sin tables must have the same type}}
  %0 = ost.rope %x, %c, %s : tensor<1x2x2x8xf32>, tensor<2x4xf32>, tensor<1x2x4xf32>
  return
}

// Section: ost.attention

// -----

func.func @attention_rank(%q: tensor<1x2x8xf32>, %k: tensor<1x2x2x8xf32>) {
  // expected-error @+1 {{query must be [batch, seq, heads, head_dim], got rank 3}}
  %0 = ost.attention %q, %k, %k : tensor<1x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>
  return
}

// -----

func.func @attention_kv_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x8xf32>, %v: tensor<1x3x2x8xf32>) {
  // expected-error @+1 {{key and value must have the same shape}}
  %0 = ost.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x3x2x8xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x2x4x8xf32>, %k: tensor<1x2x2x8xf32>) {
  // expected-error @+1 {{query and key batch sizes differ}}
  %0 = ost.attention %q, %k, %k : tensor<2x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x16xf32>) {
  // expected-error @+1 {{query head_dim (8) differs from key head_dim (16)}}
  %0 = ost.attention %q, %k, %k : tensor<1x2x4x8xf32>, tensor<1x2x2x16xf32>, tensor<1x2x2x16xf32>
  return
}

// -----

func.func @attention_gqa(%q: tensor<1x2x6x8xf32>, %k: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of KV heads (4)}}
  %0 = ost.attention %q, %k, %k : tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
  return
}

// -----

func.func @attention_dynamic_head_dim(%q: tensor<1x2x4x?xf32>, %k: tensor<1x2x2x?xf32>) {
  // expected-error @+1 {{a dynamic head_dim needs an explicit scale}}
  %0 = ost.attention %q, %k, %k : tensor<1x2x4x?xf32>, tensor<1x2x2x?xf32>, tensor<1x2x2x?xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x8xf32>) {
  // expected-error @+1 {{scale must be positive}}
  %0 = ost.attention %q, %k, %k {scale = -1.0 : f64} : tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>
  return
}

// -----

func.func @attention_mask_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x8xf32>, %m: tensor<2xf32>) {
  // expected-error @+1 {{mask must be [seq_q, seq_kv] or [batch, 1, seq_q, seq_kv], got rank 1}}
  %0 = ost.attention %q, %k, %k mask %m : tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<2xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x8xf32>, %m: tensor<2x3xf32>) {
  // expected-error @+1 {{mask shape does not match [seq_q, seq_kv]}}
  %0 = ost.attention %q, %k, %k mask %m : tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<2x3xf32>
  return
}

// Section: ost.transpose

// -----

func.func @transpose_perm_size(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation has 3 entries but the input has rank 2}}
  %0 = ost.transpose %x [0, 1, 2] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_not_perm(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation must be a permutation of [0, rank)}}
  %0 = ost.transpose %x [1, 1] : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @transpose_result_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result must have the input's rank and element type}}
  %0 = ost.transpose %x [1, 0] : tensor<2x3xf32> -> tensor<3x2xf16>
  return
}

// -----

func.func @transpose_result_dim(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result dimension 0 (2) must equal input dimension 1 (3)}}
  %0 = ost.transpose %x [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// Section: ost.param / transform types

// -----

func.func @param_scale_init() {
  // expected-error @+1 {{a scale can only be initialized with 'ones', got 'hadamard'}}
  %0 = ost.param "s" {init = #ost.init<hadamard>} : !ost.scale<8>
  return
}

// -----

func.func @param_rotation_ones() {
  // expected-error @+1 {{'ones' initializes scales; use 'identity' for rotations}}
  %0 = ost.param "r" {init = #ost.init<ones>} : !ost.rotation<8>
  return
}

// -----

func.func @param_empty_name() {
  // expected-error @+1 {{parameter name must not be empty}}
  %0 = ost.param "" {init = #ost.init<identity>} : !ost.rotation<8>
  return
}

// -----

func.func @param_value_shape() {
  // expected-error @+1 {{value shape [8] does not match the storage shape [8x8] of '!ost.rotation<8>'}}
  %0 = ost.param "r" {init = #ost.init<identity>, value = dense<1.0> : tensor<8xf32>} : !ost.rotation<8>
  return
}

// -----

func.func @param_value_type() {
  // expected-error @+1 {{parameter values are stored as f32}}
  %0 = ost.param "s" {init = #ost.init<ones>, value = dense<1.0> : tensor<8xf16>} : !ost.scale<8>
  return
}

// -----

func.func @param_not_learnable() {
  // expected-error @+1 {{result #0 must be learnable ost transform type}}
  %0 = ost.param "h" {init = #ost.init<identity>} : !ost.hadamard<8>
  return
}

// -----

// expected-error @+1 {{rotation dimension must be positive, got 0}}
func.func @rotation_zero(%r: !ost.rotation<0>) {
  return
}

// -----

// expected-error @+1 {{block rotation needs a positive block count and block size, got 0 x 8}}
func.func @block_rotation_zero(%r: !ost.block_rotation<0 x 8>) {
  return
}

// -----

// expected-error @+1 {{scale dimension must be positive, got -3}}
func.func @scale_negative(%r: !ost.scale<-3>) {
  return
}

// -----

// expected-error @+1 {{no Hadamard matrix of size 11776 is known}}
func.func @hadamard_unknown_type(%h: !ost.hadamard<11776>) {
  return
}

// Section: ost.apply / ost.transform_weight / ost.online_hadamard

// -----

func.func @apply_scalar(%x: tensor<f32>) {
  %s = ost.param "s" {init = #ost.init<ones>} : !ost.scale<8>
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = ost.apply %s to %x : !ost.scale<8>, tensor<f32>
  return
}

// -----

func.func @apply_dim(%x: tensor<2x4xf32>) {
  %r = ost.param "r" {init = #ost.init<identity>} : !ost.rotation<8>
  // expected-error @+1 {{transform acts on dimension 8 but the input's last dimension is 4}}
  %0 = ost.apply %r to %x : !ost.rotation<8>, tensor<2x4xf32>
  return
}

// -----

func.func @transform_weight_bias_input(%b: tensor<8xf32>) {
  %r = ost.param "r" {init = #ost.init<identity>} : !ost.rotation<8>
  // expected-error @+1 {{a vector (bias) can only be transformed on the output side}}
  %0 = ost.transform_weight %b by %r side input : tensor<8xf32>, !ost.rotation<8>
  return
}

// -----

func.func @transform_weight_input_dim(%w: tensor<8x4xf32>) {
  %r = ost.param "r" {init = #ost.init<identity>} : !ost.rotation<8>
  // expected-error @+1 {{transform acts on dimension 8 but the weight's input features are 4}}
  %0 = ost.transform_weight %w by %r side input : tensor<8x4xf32>, !ost.rotation<8>
  return
}

// -----

func.func @transform_weight_output_dim(%w: tensor<4x8xf32>) {
  %r = ost.param "r" {init = #ost.init<identity>} : !ost.rotation<8>
  // expected-error @+1 {{transform acts on dimension 8 but the weight's output features are 4}}
  %0 = ost.transform_weight %w by %r side output : tensor<4x8xf32>, !ost.rotation<8>
  return
}

// -----

func.func @online_hadamard_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = ost.online_hadamard %x : tensor<f32>
  return
}

// -----

func.func @online_hadamard_dynamic(%x: tensor<2x?xf32>) {
  // expected-error @+1 {{the transformed (last) dimension must be static}}
  %0 = ost.online_hadamard %x : tensor<2x?xf32>
  return
}

// -----

func.func @online_hadamard_size(%x: tensor<2x29568xf32>) {
  // expected-error @+1 {{no Hadamard matrix of size 29568 is known: the size must be K*2^m with K one of 1, 12, 20, 28, 36, 40, 44, 52, 60, 108, 140, 156, 172}}
  %0 = ost.online_hadamard %x : tensor<2x29568xf32>
  return
}

// -----

func.func @repeat_heads_positive() {
  %s = ost.param "s" {init = #ost.init<ones>} : !ost.scale<8>
  // expected-error @+1 {{head_dim and repeats must be positive, got 4 and 0}}
  %0 = ost.repeat_heads %s {head_dim = 4 : i64, repeats = 0 : i64} : !ost.scale<8> -> !ost.scale<8>
  return
}

// -----

func.func @repeat_heads_divides() {
  %s = ost.param "s" {init = #ost.init<ones>} : !ost.scale<8>
  // expected-error @+1 {{head_dim 3 does not divide the transform dimension 8}}
  %0 = ost.repeat_heads %s {head_dim = 3 : i64, repeats = 2 : i64} : !ost.scale<8> -> !ost.scale<16>
  return
}

// -----

func.func @repeat_heads_kind() {
  %s = ost.param "s" {init = #ost.init<ones>} : !ost.scale<8>
  // expected-error @+1 {{result must be the same kind of transform as the input}}
  %0 = ost.repeat_heads %s {head_dim = 4 : i64, repeats = 2 : i64} : !ost.scale<8> -> !ost.block_rotation<4 x 4>
  return
}

// -----

func.func @repeat_heads_dim() {
  %s = ost.param "s" {init = #ost.init<ones>} : !ost.scale<8>
  // expected-error @+1 {{result dimension must be 16 (input dimension times repeats), got 24}}
  %0 = ost.repeat_heads %s {head_dim = 4 : i64, repeats = 2 : i64} : !ost.scale<8> -> !ost.scale<24>
  return
}

// -----

func.func @repeat_heads_block_size() {
  %r = ost.param "r" {init = #ost.init<identity>} : !ost.block_rotation<2 x 8>
  // expected-error @+1 {{head_dim 4 must equal the block size 8}}
  %0 = ost.repeat_heads %r {head_dim = 4 : i64, repeats = 2 : i64} : !ost.block_rotation<2 x 8> -> !ost.block_rotation<8 x 4>
  return
}

// -----

func.func @repeat_heads_result_block() {
  %r = ost.param "r" {init = #ost.init<identity>} : !ost.block_rotation<2 x 8>
  // expected-error @+1 {{result block size must equal head_dim}}
  %0 = ost.repeat_heads %r {head_dim = 8 : i64, repeats = 2 : i64} : !ost.block_rotation<2 x 8> -> !ost.block_rotation<8 x 4>
  return
}

// Section: #ost.qspec

// -----

// expected-error @+1 {{quantization bits must be in [2, 8], got 9}}
func.func @qspec_bits() attributes {s = #ost.qspec<9, sym, per_tensor>} { return }

// -----

// expected-error @+1 {{clip ratio must be in (0, 1], got 1.5}}
func.func @qspec_clip() attributes {s = #ost.qspec<4, sym, per_token, clip = 1.5>} { return }

// -----

// expected-error @+1 {{group size must be positive, got -2}}
func.func @qspec_group() attributes {s = #ost.qspec<4, sym, per_token, group = -2>} { return }

// -----

// expected-error @+1 {{per_tensor quantization cannot have groups}}
func.func @qspec_tensor_group() attributes {s = #ost.qspec<4, sym, per_tensor, group = 64>} { return }

// -----

// expected-error @+1 {{quantization axis must be non-negative, got -1}}
func.func @qspec_axis() attributes {s = #ost.qspec<4, sym, per_channel, axis = -1>} { return }

// -----

// expected-error @+1 {{an axis is only meaningful for per_channel quantization}}
func.func @qspec_axis_token() attributes {s = #ost.qspec<4, sym, per_token, axis = 1>} { return }

// -----

// expected-error @+1 {{expected 'sym' or 'asym', got 'signed'}}
func.func @qspec_symmetry() attributes {s = #ost.qspec<4, signed, per_token>} { return }

// -----

// expected-error @+1 {{expected 'per_tensor', 'per_token' or 'per_channel', got 'per_row'}}
func.func @qspec_granularity() attributes {s = #ost.qspec<4, sym, per_row>} { return }

// -----

// expected-error @+1 {{unknown qspec key 'bits' (expected axis, group or clip)}}
func.func @qspec_key() attributes {s = #ost.qspec<4, sym, per_token, bits = 3>} { return }

// Section: ost.fake_quant

// -----

func.func @fake_quant_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %0 = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_tensor>} : tensor<f32>
  return
}

// -----

func.func @fake_quant_group(%x: tensor<2x48xf32>) {
  // expected-error @+1 {{group size 32 does not divide the last dimension (48) of the input}}
  %0 = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token, group = 32>} : tensor<2x48xf32>
  return
}

// -----

func.func @fake_quant_axis(%x: tensor<2x48xf32>) {
  // expected-error @+1 {{per_channel axis 2 is out of range for the input of rank 2}}
  %0 = ost.fake_quant %x {spec = #ost.qspec<4, sym, per_channel, axis = 2>} : tensor<2x48xf32>
  return
}

// Section: ost.dynamic_quantize / ost.dequantize

// -----

func.func @dq_result_shape(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{quantized result must have the input's shape}}
  %q, %s = ost.dynamic_quantize %x {spec = #ost.qspec<4, sym, per_token>} : tensor<2x8xf32> -> tensor<2x4xi8>, tensor<2x1xf32>
  return
}

// -----

func.func @dq_levels(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{integer type i2 cannot hold 4-bit levels}}
  %q, %s = ost.dynamic_quantize %x {spec = #ost.qspec<4, sym, per_token>} : tensor<2x8xf32> -> tensor<2x8xi2>, tensor<2x1xf32>
  return
}

// -----

func.func @dq_per_tensor(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{runtime quantization must be per_token (optionally with groups)}}
  %q, %s = ost.dynamic_quantize %x {spec = #ost.qspec<4, sym, per_tensor>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>
  return
}

// -----

func.func @dq_scales_rank(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{scales must have the input's rank (2), got 1}}
  %q, %s = ost.dynamic_quantize %x {spec = #ost.qspec<4, sym, per_token>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2xf32>
  return
}

// -----

func.func @dq_scales_dim(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{scales dimension 0 does not match the input's}}
  %q, %s = ost.dynamic_quantize %x {spec = #ost.qspec<4, sym, per_token>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<3x1xf32>
  return
}

// -----

func.func @dq_scales_groups(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{scales must have 2 entries per token (one per group), got 1}}
  %q, %s = ost.dynamic_quantize %x {spec = #ost.qspec<4, sym, per_token, group = 4>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>
  return
}

// -----

func.func @dq_sym_zero_points(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{symmetric quantization has no zero_points}}
  %q, %s, %z = ost.dynamic_quantize %x {spec = #ost.qspec<4, sym, per_token>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>, tensor<2x1xi8>
  return
}

// -----

func.func @dq_asym_no_zero_points(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{asymmetric quantization needs zero_points}}
  %q, %s = ost.dynamic_quantize %x {spec = #ost.qspec<4, asym, per_token>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>
  return
}

// -----

func.func @dq_zero_points_shape(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{zero_points must have the scales' shape}}
  %q, %s, %z = ost.dynamic_quantize %x {spec = #ost.qspec<4, asym, per_token>} : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>, tensor<2x2xi8>
  return
}

// -----

func.func @dequantize_shape(%q: tensor<2x8xi8>, %s: tensor<2x1xf32>) {
  // expected-error @+1 {{result must have the input's shape}}
  %0 = ost.dequantize %q, %s {spec = #ost.qspec<4, sym, per_token>} : tensor<2x8xi8>, tensor<2x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @dequantize_zero_points(%q: tensor<2x8xi8>, %s: tensor<2x1xf32>) {
  // expected-error @+1 {{asymmetric quantization needs zero_points}}
  %0 = ost.dequantize %q, %s {spec = #ost.qspec<4, asym, per_token>} : tensor<2x8xi8>, tensor<2x1xf32> -> tensor<2x8xf32>
  return
}

// Section: ost.qlinear

// -----

func.func @qlinear_bits(%x: tensor<2x16xf32>, %w: tensor<4x6xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{packed weights need bits dividing 8 (2, 4 or 8), got 3}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<3, sym, per_channel>} : tensor<2x16xf32>, tensor<4x6xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_weight_spec(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{weight_spec must be per_channel with axis = 0 (one scale per output channel or group)}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_token>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_act_spec(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{act_spec must be per_token}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>, act_spec = #ost.qspec<4, asym, per_tensor>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_in_features(%x: tensor<2x8xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{input features (8) do not match the weight's input features (16)}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<2x8xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_scale_rows(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<3x1xf32>) {
  // expected-error @+1 {{scales rows (3) do not match the output features (4)}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<3x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_group(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{group size 6 does not divide the input features (16)}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel, group = 6>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_scale_groups(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{scales must have 2 column(s) (one per group), got 1}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel, group = 8>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_sym_zp(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>, %z: tensor<4x1xi8>) {
  // expected-error @+1 {{symmetric weights take no zero_points}}
  %0 = ost.qlinear %x, %w, %s zero_points(%z : tensor<4x1xi8>) {weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_asym_no_zp(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{asymmetric weights need zero_points}}
  %0 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, asym, per_channel>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_zp_shape(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>, %z: tensor<4x2xi8>) {
  // expected-error @+1 {{zero_points must have the scales' shape}}
  %0 = ost.qlinear %x, %w, %s zero_points(%z : tensor<4x2xi8>) {weight_spec = #ost.qspec<4, asym, per_channel>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_bias(%x: tensor<2x16xf32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{bias size does not match the output features}}
  %0 = ost.qlinear %x, %w, %s bias(%b : tensor<5xf32>) {weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<2x16xf32>, tensor<4x8xi8>, tensor<4x1xf32> -> tensor<2x4xf32>
  return
}
