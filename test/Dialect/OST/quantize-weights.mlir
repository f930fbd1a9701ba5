// RUN: ost-opt %s --ost-quantize-weights=clip-search=0 --split-input-file | FileCheck %s
// RUN: ost-opt %s --ost-quantize-weights="clip-search=0 bits=8" --split-input-file | FileCheck %s --check-prefix=B8
// RUN: ost-opt %s --ost-quantize-weights="clip-search=0 sym=false group=4" --split-input-file | FileCheck %s --check-prefix=ASYM
// RUN: ost-opt %s --ost-quantize-weights --split-input-file | FileCheck %s --check-prefix=SEARCH

// Symmetric INT4 per output channel without clip search: row 0 has the
// grid max(0.8/8, 0.7/7) = 0.1, so its levels are [7, -8, 1, 2, -1, 0, 3, 5]
// and its bytes (low nibble first, two's complement) 0x87 0x21 0x0F 0x53;
// row 1 has the grid 1.4/7 = 0.2 and levels [7, 0, 0, 0, 0, 0, 0, -1].
// CHECK-LABEL: func.func @rtn_exact_levels
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[-121, 33, 15, 83], [7, 0, 0, -16]]> : tensor<2x4xi8>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<{{\[}}[1.000000e-01], [2.000000e-01]]> : tensor<2x1xf32>
// CHECK: %[[Y:.+]] = ost.qlinear %{{.+}}, %[[W]], %[[S]] {layer = 0 : i64, role = #ost.role<q_proj>, weight_spec = #ost.qspec<4, sym, per_channel>} : tensor<1x3x8xf32>, tensor<2x4xi8>, tensor<2x1xf32> -> tensor<1x3x2xf32>
// CHECK-NOT: ost.linear
// CHECK: return %[[Y]]
// INT8: one level per byte: 0.7/0.00625 = 112, ...; row 1: 1.4/127 per step.
// B8-LABEL: func.func @rtn_exact_levels
// B8-DAG: arith.constant dense<{{\[}}[112, -128, 16, 32, -16, 0, 48, 80], [127, 0, 0, 0, 0, 0, 0, -18]]> : tensor<2x8xi8>
// B8-DAG: arith.constant dense<{{\[}}[6.250000e-03], [0.0110236{{[0-9]*}}]]> : tensor<2x1xf32>
// B8: weight_spec = #ost.qspec<8, sym, per_channel>
func.func @rtn_exact_levels(%x: tensor<1x3x8xf32>) -> tensor<1x3x2xf32> {
  %w = arith.constant dense<[[0.7, -0.8, 0.1, 0.2, -0.1, 0.0, 0.3, 0.5],
                             [1.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.2]]> : tensor<2x8xf32>
  %y = ost.linear %x, %w {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}

// -----

// The clip search (default p = 2.4) tries the grids of 1, 0.99, ..., 0.21
// times the row's range: here 0.93 (scale 0.93/7) has the smallest
// Σ|ŵ − w|^2.4, and 0.5 → level 4 instead of 3 (without the search the scale
// is 1/7).
// CHECK-LABEL: func.func @rtn_clip_search
// CHECK: arith.constant dense<{{\[}}[23, 63, -61, 96]]> : tensor<1x4xi8>
// CHECK: arith.constant dense<0.142857149> : tensor<1x1xf32>
// SEARCH-LABEL: func.func @rtn_clip_search
// SEARCH: arith.constant dense<{{\[}}[23, 62, -76, 97]]> : tensor<1x4xi8>
// SEARCH: arith.constant dense<0.132857144> : tensor<1x1xf32>
func.func @rtn_clip_search(%x: tensor<1x3x8xf32>) -> tensor<1x3x1xf32> {
  %w = arith.constant dense<[[1.0, 0.14, -0.21, 0.36, 0.5, -0.64, 0.07, 0.79]]> : tensor<1x8xf32>
  %y = ost.linear %x, %w {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<1x8xf32> -> tensor<1x3x1xf32>
  return %y : tensor<1x3x1xf32>
}

// -----

// Asymmetric groups of 4: group 0 spans [-0.5, 1.0] (scale 0.1, zero point
// 5, levels [0, 15, 7, 5]), group 1 spans [0, 1.5] (scale 0.1, zero point
// 0, levels [0, 3, 6, 15]); levels are unsigned nibbles.
// ASYM-LABEL: func.func @rtn_asymmetric_groups
// ASYM-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[-16, 87, 48, -10]]> : tensor<1x4xi8>
// ASYM-DAG: %[[S:.+]] = arith.constant dense<1.000000e-01> : tensor<1x2xf32>
// ASYM-DAG: %[[Z:.+]] = arith.constant dense<{{\[}}[5, 0]]> : tensor<1x2xi8>
// ASYM: ost.qlinear %{{.+}}, %[[W]], %[[S]] zero_points(%[[Z]] : tensor<1x2xi8>) {layer = 1 : i64, role = #ost.role<up_proj>, weight_spec = #ost.qspec<4, asym, per_channel, group = 4>}
func.func @rtn_asymmetric_groups(%x: tensor<1x3x8xf32>) -> tensor<1x3x1xf32> {
  %w = arith.constant dense<[[-0.5, 1.0, 0.2, 0.0, 0.0, 0.3, 0.6, 1.5]]> : tensor<1x8xf32>
  %y = ost.linear %x, %w {role = #ost.role<up_proj>, layer = 1 : i64} : tensor<1x3x8xf32>, tensor<1x8xf32> -> tensor<1x3x1xf32>
  return %y : tensor<1x3x1xf32>
}

// -----

// A per-token activation quantizer becomes act_spec (the qlinear quantizes
// its input the same way) and is erased; the bias stays.
// CHECK-LABEL: func.func @fold_activation_quantizer
// CHECK-SAME: %[[X:[^:]+]]: tensor<1x3x8xf32>, %[[B:[^:]+]]: tensor<2xf32>
// CHECK-NOT: ost.fake_quant
// CHECK: ost.qlinear %[[X]], %{{.+}}, %{{.+}} bias(%[[B]] : tensor<2xf32>) {act_spec = #ost.qspec<4, asym, per_token, group = 4>, layer = 0 : i64, role = #ost.role<o_proj>, weight_spec = #ost.qspec<4, sym, per_channel>}
func.func @fold_activation_quantizer(%x: tensor<1x3x8xf32>, %b: tensor<2xf32>) -> tensor<1x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x8xf32>
  %xq = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token, group = 4>} : tensor<1x3x8xf32>
  %y = ost.linear %xq, %w bias %b {role = #ost.role<o_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32>, tensor<2xf32> -> tensor<1x3x2xf32>
  return %y : tensor<1x3x2xf32>
}

// -----

// A quantizer that act_spec cannot express exactly stays in front of the
// qlinear: a clip search, or a per-tensor scale.
// CHECK-LABEL: func.func @negative_fold_clip_search
// CHECK: %[[XQ:.+]] = ost.fake_quant %{{.+}} {clip_search = 2.000000e+00 : f64, spec = #ost.qspec<4, asym, per_token>}
// CHECK: %[[TQ:.+]] = ost.fake_quant %{{.+}} {spec = #ost.qspec<8, sym, per_tensor>}
// CHECK: ost.qlinear %[[XQ]], {{.*}} {layer = 0 : i64, role = #ost.role<gate_proj>, weight_spec
// CHECK: ost.qlinear %[[TQ]], {{.*}} {layer = 0 : i64, role = #ost.role<up_proj>, weight_spec
func.func @negative_fold_clip_search(%x: tensor<1x3x8xf32>) -> (tensor<1x3x2xf32>, tensor<1x3x2xf32>) {
  %w = arith.constant dense<0.5> : tensor<2x8xf32>
  %xq = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>, clip_search = 2.0} : tensor<1x3x8xf32>
  %tq = ost.fake_quant %x {spec = #ost.qspec<8, sym, per_tensor>} : tensor<1x3x8xf32>
  %g = ost.linear %xq, %w {role = #ost.role<gate_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  %u = ost.linear %tq, %w {role = #ost.role<up_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  return %g, %u : tensor<1x3x2xf32>, tensor<1x3x2xf32>
}

// -----

// A quantizer shared with a user that is not quantized stays for that user;
// the qlinear still takes it as act_spec.
// CHECK-LABEL: func.func @shared_activation_quantizer
// CHECK-SAME: %[[X:[^:]+]]: tensor<1x3x8xf32>
// CHECK: %[[XQ:.+]] = ost.fake_quant %[[X]]
// CHECK: ost.qlinear %[[X]], {{.*}}act_spec = #ost.qspec<4, asym, per_token>
// CHECK: ost.silu %[[XQ]]
func.func @shared_activation_quantizer(%x: tensor<1x3x8xf32>) -> (tensor<1x3x2xf32>, tensor<1x3x8xf32>) {
  %w = arith.constant dense<0.5> : tensor<2x8xf32>
  %xq = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>} : tensor<1x3x8xf32>
  %y = ost.linear %xq, %w {role = #ost.role<k_proj>, layer = 0 : i64} : tensor<1x3x8xf32>, tensor<2x8xf32> -> tensor<1x3x2xf32>
  %s = ost.silu %xq : tensor<1x3x8xf32>
  return %y, %s : tensor<1x3x2xf32>, tensor<1x3x8xf32>
}

// -----

// A weight fake quantizer (W4A16 training) is superseded by the real
// quantization and removed with the float weight. Large results become
// dense_resource blobs named after the layer and role.
// CHECK-LABEL: func.func @weight_quantizer_and_blobs
// CHECK-NOT: ost.fake_quant
// CHECK-NOT: tensor<16x8xf32>
// CHECK-DAG: %[[W:.+]] = arith.constant dense_resource<layers.2.v_proj.qweight> : tensor<16x4xi8>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<0.0714285{{[0-9]*}}> : tensor<16x1xf32>
// CHECK: ost.qlinear %{{.+}}, %[[W]], %[[S]]
// 0.5 is level 7 in every column: bytes 0x77.
// CHECK: layers.2.v_proj.qweight: "0x01000000{{(77)+}}"
func.func @weight_quantizer_and_blobs(%x: tensor<1x3x8xf32>) -> tensor<1x3x16xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %wq = ost.fake_quant %w {spec = #ost.qspec<4, sym, per_channel>, clip_search = 2.0} : tensor<16x8xf32>
  %y = ost.linear %x, %wq {role = #ost.role<v_proj>, layer = 2 : i64} : tensor<1x3x8xf32>, tensor<16x8xf32> -> tensor<1x3x16xf32>
  return %y : tensor<1x3x16xf32>
}

// -----

// Linears found structurally (a SwiGLU MLP without role attributes) are
// quantized; the head stays in floating point.
// CHECK-LABEL: func.func @structural_mlp_and_head
// CHECK-COUNT-3: ost.qlinear
// CHECK-NOT: ost.linear
// CHECK: ost.lm_head %{{.+}}, %{{.+}} : tensor<1x3x8xf32>, tensor<16x8xf32>
func.func @structural_mlp_and_head(%x: tensor<1x3x8xf32>) -> tensor<1x3x16xf32> {
  %wg = arith.constant dense<0.5> : tensor<12x8xf32>
  %wu = arith.constant dense<0.25> : tensor<12x8xf32>
  %wd = arith.constant dense<-0.5> : tensor<8x12xf32>
  %head = arith.constant dense<1.0> : tensor<16x8xf32>
  %g = ost.linear %x, %wg : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %u = ost.linear %x, %wu : tensor<1x3x8xf32>, tensor<12x8xf32> -> tensor<1x3x12xf32>
  %s = ost.silu %g : tensor<1x3x12xf32>
  %m = ost.mul %s, %u : tensor<1x3x12xf32>
  %d = ost.linear %m, %wd : tensor<1x3x12xf32>, tensor<8x12xf32> -> tensor<1x3x8xf32>
  %l = ost.lm_head %d, %head : tensor<1x3x8xf32>, tensor<16x8xf32> -> tensor<1x3x16xf32>
  return %l : tensor<1x3x16xf32>
}
