//===- CPUPipelines.cpp - the cpu and llvm phases -------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Pipelines/Pipelines.h"

#include "ost/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::ost;

void mlir::ost::buildCPUPipeline(OpPassManager &pm, const CompileOptions &) {
  // The model's step function on memrefs, its weights as globals.
  pm.addPass(createConvertOSTToCPUPass());
}

void mlir::ost::buildCPUToLLVMPipeline(OpPassManager &pm,
                                       const CompileOptions &) {
  // Dead views and unused weight globals go first.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createSymbolDCEPass());
  // Every buffer gets its dealloc.
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createCanonicalizerPass());
  // Then each dialect is lowered; casts between them cancel at the end.
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::ost::buildPhasePipeline(OpPassManager &pm,
                                   const CompileOptions &options,
                                   Phase phase) {
  switch (phase) {
  case Phase::Quantized:
    return buildMethodPipeline(pm, options);
  case Phase::CPU:
    return buildCPUPipeline(pm, options);
  case Phase::LLVM:
    return buildCPUToLLVMPipeline(pm, options);
  case Phase::LLVMIR:
  case Phase::Object:
  case Phase::Binary:
    return; // Translation and emission: no passes.
  case Phase::CUDA:
  case Phase::ONNX:
    llvm::report_fatal_error(llvm::Twine("ost: phase '") +
                             getPhaseName(phase) + "' is not implemented");
  }
}

void mlir::ost::buildCompilePipeline(OpPassManager &pm,
                                     const CompileOptions &options) {
  for (Phase phase : {Phase::Quantized, Phase::CPU, Phase::LLVM, Phase::LLVMIR,
                      Phase::Object, Phase::Binary}) {
    if (phase > options.phase)
      return;
    buildPhasePipeline(pm, options, phase);
  }
}
