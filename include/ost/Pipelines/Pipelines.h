//===- Pipelines.h - the pass pipelines of every phase ----------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Typed pipeline builders: each adds its passes with the generated pass
// option structs (`create…Pass(options)`), so a renamed option is a compile
// error, not a run-time parse failure. A compilation is its phases in order
// (CompileOptions.h):
//
//   quantized  the method pipeline (docs/Calibration.md):
//     rtn          fold norms → activation quantizers → RTN weights
//     smoothquant  + attn/ffn scales from activation statistics (α = 0.5)
//     gptq         fold norms → activation quantizers → GPTQ weights
//     quarot       random-Hadamard R_res, per-head Hadamard R_ov, online
//                  Hadamards (down; Q/K when KV < 16) → GPTQ
//                  (quarot-rtn: RTN weights)
//     spinquant    R_res + per-layer R_ov shared by the heads, learned with
//                  Cayley SGD on cross-entropy (cosine lr) → GPTQ
//     ostquant     all pairs, WOMI (W4A4) or Hadamard init, KL-Top +
//                  Riemannian Adam → GPTQ
//   cpu        convert-ost-to-cpu
//   llvm       canonicalization, buffer deallocation, every dialect to LLVM
//   llvmir, object, binary: translation and emission, no passes
//
// `ost-compile` runs buildPhasePipeline phase by phase and prints
// buildCompilePipeline with `--print-pipeline`; `ost-opt
// --ost-method-<name>` registers buildMethodPipeline.
//
//===----------------------------------------------------------------------===//

#ifndef OST_PIPELINES_PIPELINES_H
#define OST_PIPELINES_PIPELINES_H

#include "ost/Pipelines/CompileOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::ost {

/// Adds the passes of `options.method` (phase `quantized`). Precondition:
/// verifyMethodOptions(options) succeeded.
void buildMethodPipeline(OpPassManager &pm, const CompileOptions &options);

/// Adds convert-ost-to-cpu (phase `cpu`).
void buildCPUPipeline(OpPassManager &pm, const CompileOptions &options);

/// Adds the passes from the CPU step to the LLVM dialect (phase `llvm`).
void buildCPUToLLVMPipeline(OpPassManager &pm, const CompileOptions &options);

/// Adds the passes of one phase (none for llvmir, object and binary).
/// Precondition: verifyCompileOptions(options) succeeded.
void buildPhasePipeline(OpPassManager &pm, const CompileOptions &options,
                        Phase phase);

/// Adds the passes of every phase up to `options.phase`: what ost-compile
/// runs.
void buildCompilePipeline(OpPassManager &pm, const CompileOptions &options);

/// Registers `ost-method-<name>` for every method with ost-opt.
void registerOSTMethodPipelines();

} // namespace mlir::ost

#endif // OST_PIPELINES_PIPELINES_H
