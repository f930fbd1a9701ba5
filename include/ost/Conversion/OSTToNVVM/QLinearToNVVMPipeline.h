//===- QLinearToNVVMPipeline.h - qlinear kernels to PTX / cubin -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The pipeline that generates the quantized linears' kernels
// (convert-ost-qlinear-to-nvvm) and serializes them with the passes
// TOOLCHAIN.md §4 proves: nvvm-attach-target, convert-gpu-to-nvvm inside the
// gpu.module, gpu-module-to-binary. The host side of the module (the OST
// model) is left as it is.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CONVERSION_OSTTONVVM_QLINEARTONVVMPIPELINE_H
#define OST_CONVERSION_OSTTONVVM_QLINEARTONVVMPIPELINE_H

#include "ost/Conversion/OSTToNVVM/KernelElementType.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::ost {

/// Options of ost-qlinear-to-nvvm-pipeline.
struct QLinearToNVVMPipelineOptions
    : public PassPipelineOptions<QLinearToNVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("sm_80, sm_86, sm_89 or sm_90a"),
      llvm::cl::init("sm_80")};
  PassOptions::Option<KernelElementType> elementType{
      *this, "element-type",
      llvm::cl::desc("activation and output type: f16, bf16, f32"),
      llvm::cl::init(KernelElementType::F16), getKernelElementTypeValues()};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu-module-to-binary format: isa (PTX), bin (cubin), "
                     "fatbin, offloading"),
      llvm::cl::init("isa")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit root for ptxas (default: CUDA_ROOT, "
                     "CUDA_HOME, CUDA_PATH or PATH)"),
      llvm::cl::init("")};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level", llvm::cl::desc("NVVM optimization level"),
      llvm::cl::init(3)};
};

/// Adds the pipeline to `pm` (anchored on builtin.module).
void buildQLinearToNVVMPipeline(OpPassManager &pm,
                                const QLinearToNVVMPipelineOptions &options);

/// Registers it as `ost-qlinear-to-nvvm-pipeline`.
void registerQLinearToNVVMPipeline();

} // namespace mlir::ost

#endif // OST_CONVERSION_OSTTONVVM_QLINEARTONVVMPIPELINE_H
