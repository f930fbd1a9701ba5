// RUN: ost-opt %s --convert-ost-qlinear-to-nvvm --split-input-file --verify-diagnostics
// RUN: not ost-opt %s --convert-ost-qlinear-to-nvvm=chip=sm_75 --split-input-file 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not ost-opt %s --convert-ost-qlinear-to-nvvm=element-type=f64 --split-input-file 2>&1 | FileCheck %s --check-prefix=TYPE

// CHIP: error: convert-ost-qlinear-to-nvvm: unsupported chip 'sm_75' (expected sm_80, sm_86, sm_89, sm_90a)
// TYPE: for the --element-type option: Cannot find option named 'f64'!

#w8 = #ost.qspec<8, sym, per_channel>
func.func @weight_bits(%x: tensor<1x?x256xf32>, %w: tensor<64x256xi8>, %s: tensor<64x1xf32>) -> tensor<1x?x64xf32> {
  // expected-error @+1 {{the nvvm target runs 4-bit symmetric per-channel weights only, got #ost.qspec<8, sym, per_channel>}}
  %y = ost.qlinear %x, %w, %s {weight_spec = #w8} : tensor<1x?x256xf32>, tensor<64x256xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

#w = #ost.qspec<4, sym, per_channel>
#a8 = #ost.qspec<8, asym, per_token>
func.func @act_bits(%x: tensor<1x?x256xf32>, %w: tensor<64x128xi8>, %s: tensor<64x1xf32>) -> tensor<1x?x64xf32> {
  // expected-error @+1 {{the nvvm target quantizes activations to 4 bits asymmetric per token only, got #ost.qspec<8, asym, per_token>}}
  %y = ost.qlinear %x, %w, %s {act_spec = #a8, weight_spec = #w} : tensor<1x?x256xf32>, tensor<64x128xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

#w = #ost.qspec<4, sym, per_channel>
#ag = #ost.qspec<4, asym, per_token, group = 128>
func.func @act_groups(%x: tensor<1x?x256xf32>, %w: tensor<64x128xi8>, %s: tensor<64x1xf32>) -> tensor<1x?x64xf32> {
  // expected-error @+1 {{the nvvm target quantizes activations per token without groups only}}
  %y = ost.qlinear %x, %w, %s {act_spec = #ag, weight_spec = #w} : tensor<1x?x256xf32>, tensor<64x128xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

#w = #ost.qspec<4, sym, per_channel>
#a = #ost.qspec<4, asym, per_token>
func.func @k_not_multiple_of_128(%x: tensor<1x?x192xf32>, %w: tensor<64x96xi8>, %s: tensor<64x1xf32>) -> tensor<1x?x64xf32> {
  // expected-error @+1 {{the W4A4 kernel needs K to be a multiple of 128, got 192}}
  %y = ost.qlinear %x, %w, %s {act_spec = #a, weight_spec = #w} : tensor<1x?x192xf32>, tensor<64x96xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

#w = #ost.qspec<4, sym, per_channel>
func.func @n_not_multiple_of_8(%x: tensor<1x?x256xf32>, %w: tensor<60x128xi8>, %s: tensor<60x1xf32>) -> tensor<1x?x60xf32> {
  // expected-error @+1 {{the nvvm kernels need N to be a multiple of 8, got 60}}
  %y = ost.qlinear %x, %w, %s {weight_spec = #w} : tensor<1x?x256xf32>, tensor<60x128xi8>, tensor<60x1xf32> -> tensor<1x?x60xf32>
  return %y : tensor<1x?x60xf32>
}

// -----

#w = #ost.qspec<4, sym, per_channel>
func.func @gemv_k(%x: tensor<1x?x48xf32>, %w: tensor<64x24xi8>, %s: tensor<64x1xf32>) -> tensor<1x?x64xf32> {
  // expected-error @+1 {{the W4A16 kernel needs K to be a multiple of 32, got 48}}
  %y = ost.qlinear %x, %w, %s {weight_spec = #w} : tensor<1x?x48xf32>, tensor<64x24xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

// 384 = 12·32: the fused prologue transforms power-of-two sizes only.
#w = #ost.qspec<4, sym, per_channel>
#a = #ost.qspec<4, asym, per_token>
func.func @hadamard_not_power_of_two(%x: tensor<1x?x384xf32>, %w: tensor<64x192xi8>, %s: tensor<64x1xf32>) -> tensor<1x?x64xf32> {
  %h = ost.online_hadamard %x : tensor<1x?x384xf32>
  // expected-error @+1 {{the fused Hadamard of the W4A4 kernel needs a power-of-two size, got 384}}
  %y = ost.qlinear %h, %w, %s {act_spec = #a, weight_spec = #w} : tensor<1x?x384xf32>, tensor<64x192xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

// sm_80 has 163 KB of shared memory per block: 16 rows of K = 32768 int4
// (16 KB each) plus a 128 KB float Hadamard row do not fit.
#w = #ost.qspec<4, sym, per_channel>
#a = #ost.qspec<4, asym, per_token>
func.func @too_wide_for_shared_memory(%x: tensor<1x?x32768xf32>, %w: tensor<8x16384xi8>, %s: tensor<8x1xf32>) -> tensor<1x?x8xf32> {
  %h = ost.online_hadamard %x : tensor<1x?x32768xf32>
  // expected-error @+1 {{K = 32768 needs more shared memory than sm_80 has for the fused prologue}}
  %y = ost.qlinear %h, %w, %s {act_spec = #a, weight_spec = #w} : tensor<1x?x32768xf32>, tensor<8x16384xi8>, tensor<8x1xf32> -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}
