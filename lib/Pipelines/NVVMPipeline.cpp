//===- NVVMPipeline.cpp - ost-qlinear-to-nvvm-pipeline --------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Conversion/OSTToNVVM/TargetInfo.h"
#include "ost/Conversion/Passes.h"
#include "ost/Pipelines/NamedPipelines.h"

#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::ost::buildQLinearToNVVMPipeline(
    OpPassManager &pm, const QLinearToNVVMPipelineOptions &options) {
  // Generate the kernels into gpu.module @ost_kernels.
  ConvertOSTQLinearToNVVMPassOptions kernelOptions;
  kernelOptions.chip = options.chip;
  kernelOptions.elementType = options.elementType;
  pm.addPass(createConvertOSTQLinearToNVVMPass(kernelOptions));
  // Record the chip on the kernel module for serialization.
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  if (std::optional<nvvm::TargetInfo> info = nvvm::TargetInfo::get(options.chip))
    target.features = info->getPtxFeatures().str();
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // Kernel bodies to the LLVM/NVVM dialects (scf first: the NVVM lowering
  // does not convert structured control flow).
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // PTX (isa) or cubin through ptxas, found via the option or the
  // environment by gpu-module-to-binary itself.
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}
