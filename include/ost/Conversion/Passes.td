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

#endif // OST_CONVERSION_PASSES_TD
