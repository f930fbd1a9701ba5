// RUN: ost-opt %s --convert-ost-qlinear-to-nvvm=chip=sm_80 | FileCheck %s --check-prefixes=CHECK,SM80
// RUN: ost-opt %s --convert-ost-qlinear-to-nvvm="chip=sm_90a element-type=bf16" | FileCheck %s --check-prefixes=CHECK,SM90

// W4A4 linears get a GEMM kernel (two linears of the same form share one;
// the online Hadamard feeding only W4A4 linears is fused into it), W4A16
// linears a GEMV kernel. The kernel is recorded on the linear; the host
// side is untouched.

#act = #ost.qspec<4, asym, per_token>
#w = #ost.qspec<4, sym, per_channel>

// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @qkv_and_out(
// CHECK:         %[[H:.*]] = ost.online_hadamard
// CHECK:         ost.qlinear %[[H]], {{.*}}ost.gpu_kernel = @ost_kernels::@w4a4_gemm_n128_k256_had
// CHECK:         ost.qlinear %[[H]], {{.*}}ost.gpu_kernel = @ost_kernels::@w4a4_gemm_n128_k256_had
// CHECK:         ost.qlinear %{{.*}}ost.gpu_kernel = @ost_kernels::@w4a16_gemv_n256_k256
func.func @qkv_and_out(%x: tensor<1x?x256xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x256xf32>) {
  %wq = arith.constant dense<17> : tensor<128x128xi8>
  %sq = arith.constant dense<0.1> : tensor<128x1xf32>
  %wo = arith.constant dense<-7> : tensor<256x128xi8>
  %so = arith.constant dense<0.2> : tensor<256x1xf32>
  %h = ost.online_hadamard %x : tensor<1x?x256xf32>
  %q = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<1x?x256xf32>, tensor<128x128xi8>, tensor<128x1xf32> -> tensor<1x?x128xf32>
  %k = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<1x?x256xf32>, tensor<128x128xi8>, tensor<128x1xf32> -> tensor<1x?x128xf32>
  %o = ost.qlinear %x, %wo, %so {weight_spec = #w} : tensor<1x?x256xf32>, tensor<256x128xi8>, tensor<256x1xf32> -> tensor<1x?x256xf32>
  return %q, %k, %o : tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x256xf32>
}

// CHECK: gpu.module @ost_kernels {
// CHECK:   llvm.mlir.global external @ost_dynamic_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>

// The W4A4 GEMM: x, packed weight words, scales, out, M; 128 threads.
// SM80-LABEL: gpu.func @w4a4_gemm_n128_k256_had(%{{.*}}: memref<?xf16>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf16>, %{{.*}}: index) kernel
// SM90-LABEL: gpu.func @w4a4_gemm_n128_k256_had(%{{.*}}: memref<?xbf16>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xbf16>, %{{.*}}: index) kernel
// CHECK-SAME:    known_block_size = array<i32: 128, 1, 1>
// CHECK-SAME:    ost.dynamic_smem = {{[0-9]+}} : i64
// CHECK-SAME:    ost.tile = array<i64: 64, 128>
// Prologue: Walsh-Hadamard butterflies in shared memory, then the row's
// min / max through warp shuffles, then levels stored as int4 words.
// CHECK:         llvm.mlir.addressof @ost_dynamic_smem : !llvm.ptr<3>
// CHECK:         gpu.barrier
// CHECK:         arith.subf
// CHECK:         gpu.shuffle xor
// CHECK:         arith.fptosi {{.*}} : vector<8xf32> to vector<8xi32>
// Main loop: 16-byte weight loads from global, strip loads from shared.
// CHECK:         scf.for
// CHECK:           vector.load %{{.*}} : memref<?xi32>, vector<4xi32>
// CHECK:           llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<4xi32>
// sm_80: native int4 MMA (4 m-tiles x 4 n-tiles + 4 weight-sum tiles per
// k-block, 2 k-blocks per step = 40).
// SM80-COUNT-40:   nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<s4>, multiplicandBPtxType = #nvvm.mma_type<s4>, shape = #nvvm.shape<m = 16, n = 8, k = 64>
// SM80-NOT:        nvvm.mma.sync
// sm_90a: nibbles widened to bytes, two s8 MMAs per int4 tile.
// SM90:            arith.andi %{{.*}}, %c-252645136_i32 : i32
// SM90-COUNT-80:   nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<s8>, multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>
// SM90-NOT:        nvvm.mma.sync
// CHECK:           scf.yield
// Epilogue: zero-point correction, scales, a pair of outputs per lane.
// SM90:          arith.shrsi %{{.*}}, %c8_i32
// CHECK:         arith.sitofp %{{.*}} : i32 to f32
// SM80:          vector.store %{{.*}} : memref<?xf16>, vector<2xf16>
// SM90:          vector.store %{{.*}} : memref<?xbf16>, vector<2xbf16>
// CHECK:         gpu.return

// The W4A16 GEMV: int4 dequantized in registers, 4 token rows per CTA.
// CHECK-LABEL: gpu.func @w4a16_gemv_n256_k256(
// CHECK-SAME:    known_block_size = array<i32: 128, 1, 1>
// CHECK-SAME:    ost.dynamic_smem = 0 : i64
// CHECK:         scf.for
// CHECK:           vector.load %{{.*}} : memref<?xi32>, vector<4xi32>
// CHECK:           arith.shrsi %{{.*}}, %c28_i32
// CHECK-COUNT-16:  vector.fma
// CHECK:         gpu.shuffle xor
// CHECK-NOT:     nvvm.mma.sync
// CHECK:         gpu.return
