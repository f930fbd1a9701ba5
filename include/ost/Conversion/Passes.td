//===- Passes.td - conversions out of the OST dialect ------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CONVERSION_PASSES_TD
#define OST_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertOSTToCPUPass : Pass<"convert-ost-to-cpu", "ModuleOp"> {
  let summary = "lower a (quantized) OST model to a CPU step function";
  let description = [{
    Rewrites the model function `entry` (`tensor<B x T x i64>` token ids →
    `tensor<B x T x V x f32>` logits, as imported or as `ost-compile
    --compile-to=quantized` leaves it) into the *step* `@ost_step` of the
    runtime ABI (runtime/include/ost/runtime/ModelABI.h):

    ```mlir
    func.func @ost_step(%ctx: !llvm.ptr, %ids: memref<?xi64>, %pos: i64,
                        %logits: memref<?x?xf32>) attributes {llvm.emit_c_interface}
    ```

    which runs the T tokens `ids` at positions `pos ..< pos+T` against the
    KV cache of the session `ctx` and writes the logits of the last
    `dim(logits, 0)` tokens (1 or T). Tensors become buffers
    (`memref.alloc`, freed by `buffer-deallocation-pipeline`); weights become
    `memref.global` constants; every op becomes, by family:

    * `ost.qlinear` with a 4-bit activation spec: `ostrt_quantize_act`
      (dynamic per-token / per-group quantization, fused with a preceding
      `ost.online_hadamard` when every user of that Hadamard is such a
      linear; one quantization shared by linears reading the same input),
      then `ostrt_qgemm_w4a4` (exact int32 dot products, dequantization
      epilogue) on weights re-packed at compile time into the kernels'
      layout; without an activation spec `ostrt_qgemm_w4a16`; `ost.linear`,
      `ost.lm_head` → `ostrt_linear_f32` (the head only for the requested
      rows);
    * `ost.attention` (causal, no mask) → `ostrt_attention` on the session's
      KV cache; the `ost.fake_quant` (per_token, asym) of its keys and values
      becomes the cache's quantizer (the model's `k_bits`, `v_bits`);
    * `ost.rope` → `ostrt_rope` on the full tables at positions from `pos`;
      `ost.rms_norm`, `ost.embedding`, `ost.online_hadamard`,
      `ost.fake_quant` → their kernels;
    * `ost.add`, `ost.mul`, `ost.silu` → `vector` loops (16 lanes plus a
      scalar tail; `math.exp` by its polynomial approximation).

    The model's sizes are recorded on the module as `ost.model_info` for
    the backend (vocabulary, layers, KV heads, head size, positions, KV bits).
    Unsupported forms (batch > 1 masks, non-causal attention, weights other
    than 4-bit symmetric per-channel, …) are reported on the op.

    ```
    ost-opt model.w4a4kv4.mlir --convert-ost-to-cpu
    ```
  }];
  let options = [
    Option<"entry", "entry", "std::string", "\"forward\"",
           "The model function to lower">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def ConvertOSTQLinearToNVVMPass
    : Pass<"convert-ost-qlinear-to-nvvm", "ModuleOp"> {
  let summary = "generate NVVM tensor-core kernels for the quantized linears";
  let description = [{
    Generates one `gpu.func` kernel per distinct `ost.qlinear` form of the
    module into `gpu.module @ost_kernels` and records it on the linear as
    `ost.gpu_kernel = @ost_kernels::@<name>` (the host side, which launches
    the kernels through runtime/cuda, is lowered separately). Kernels are
    written in gpu/nvvm/vector/arith/scf/memref and lower with
    `nvvm-attach-target`, `convert-gpu-to-nvvm` and `gpu-module-to-binary`
    (see docs/GPU.md):

    * W4A4 (`act_spec` 4-bit asymmetric per token): a GEMM whose prologue
      applies the fused online Hadamard (when every user of the preceding
      `ost.online_hadamard` is such a linear; sizes 2^m) and the per-token
      quantization into shared memory, whose main loop runs on integer
      tensor cores (`nvvm.mma.sync` s4 m16n8k64 on sm_80–sm_89; on sm_90a
      int4 widened to s8 for m16n8k32), and whose epilogue applies the
      per-token × per-channel scales and the zero-point correction and
      writes `element-type`;
    * W4A16 (no `act_spec`): a decode GEMV dequantizing int4 in registers.

    Kernel arguments: `(x, w, scales, [bias,] out, m)`; every memref is 1-D
    (row-major data), `w` the linear's packed weight bytes as i32 words.
    Each kernel carries `ost.dynamic_smem` (bytes) and `ost.tile`.
    Preconditions: 4-bit symmetric per-channel weights without groups or
    zero points, constant K (a multiple of 128 for W4A4, 32 for W4A16) and
    N (a multiple of 8).

    ```
    ost-opt model.w4a4kv4.mlir --convert-ost-qlinear-to-nvvm="chip=sm_90a"
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", "\"sm_80\"",
           "Target GPU: sm_80, sm_86, sm_89 or sm_90a">,
    Option<"elementType", "element-type", "::mlir::ost::KernelElementType",
           "::mlir::ost::KernelElementType::F16",
           "Activation and output element type: f16, bf16 or f32",
           [{::mlir::ost::getKernelElementTypeValues()}]>,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // OST_CONVERSION_PASSES_TD
