//===- NamedPipelines.h - ost-opt's named pass pipelines --------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The pipelines ost-opt offers besides the method pipelines (Pipelines.h),
// each with its typed options:
//
//   ost-transform-pipeline        fold norms → insert the transform pairs →
//                                 verify → initialize → fold them into the
//                                 weights (the float model stays equivalent)
//   ost-qlinear-to-nvvm-pipeline  generate the quantized linears' kernels
//                                 (convert-ost-qlinear-to-nvvm) and serialize
//                                 them as TOOLCHAIN.md §4 proves:
//                                 nvvm-attach-target, convert-gpu-to-nvvm in
//                                 the gpu.module, gpu-module-to-binary; the
//                                 host side is left as it is
//
//===----------------------------------------------------------------------===//

#ifndef OST_PIPELINES_NAMEDPIPELINES_H
#define OST_PIPELINES_NAMEDPIPELINES_H

#include "ost/Conversion/OSTToNVVM/KernelElementType.h"
#include "ost/Dialect/OST/Transforms/InitChoices.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::ost {

/// Options of ost-transform-pipeline (the options of the passes it runs).
struct TransformPipelineOptions
    : public PassPipelineOptions<TransformPipelineOptions> {
  ListOption<std::string> pairs{
      *this, "pairs",
      llvm::cl::desc("Pairs to insert: res, attn, ffn, qk, ov, ud, all "
                     "(default) or none")};
  Option<bool> downHadamard{
      *this, "down-hadamard", llvm::cl::init(true),
      llvm::cl::desc("Online Hadamard before every down_proj")};
  Option<bool> qkHadamard{
      *this, "qk-hadamard", llvm::cl::init(false),
      llvm::cl::desc("Online Hadamard on Q and K after RoPE")};
  Option<RotationInit> method{
      *this, "method", llvm::cl::init(RotationInit::Hadamard),
      llvm::cl::desc("Rotation init: param, identity, hadamard, "
                     "random-orthogonal or womi"),
      getRotationInitValues()};
  Option<ScaleInit> scales{*this, "scales", llvm::cl::init(ScaleInit::Ones),
                           llvm::cl::desc("Scale init: ones or random"),
                           getScaleInitValues()};
  Option<uint64_t> seed{*this, "seed", llvm::cl::init(0),
                        llvm::cl::desc("Seed of the random inits")};
};

/// fold-norm-weights → insert-transforms → verify-transform-pairs →
/// init-transforms → fold-transforms.
void buildTransformPipeline(OpPassManager &pm,
                            const TransformPipelineOptions &options);

/// Options of ost-qlinear-to-nvvm-pipeline.
struct QLinearToNVVMPipelineOptions
    : public PassPipelineOptions<QLinearToNVVMPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("sm_80, sm_86, sm_89 or sm_90a"),
                           llvm::cl::init("sm_80")};
  Option<KernelElementType> elementType{
      *this, "element-type",
      llvm::cl::desc("activation and output type: f16, bf16, f32"),
      llvm::cl::init(KernelElementType::F16), getKernelElementTypeValues()};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu-module-to-binary format: isa (PTX), bin (cubin), "
                     "fatbin, offloading"),
      llvm::cl::init("isa")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit root for ptxas (default: CUDA_ROOT, "
                     "CUDA_HOME, CUDA_PATH or PATH)"),
      llvm::cl::init("")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("NVVM optimization level"),
                            llvm::cl::init(3)};
};

/// Adds ost-qlinear-to-nvvm-pipeline to `pm` (anchored on builtin.module).
void buildQLinearToNVVMPipeline(OpPassManager &pm,
                                const QLinearToNVVMPipelineOptions &options);

/// Registers every ost pipeline with ost-opt: the two above and
/// `ost-method-<name>` for every method (Registration.cpp).
void registerOSTPipelines();

} // namespace mlir::ost

#endif // OST_PIPELINES_NAMEDPIPELINES_H
