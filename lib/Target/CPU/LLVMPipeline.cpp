//===- LLVMPipeline.cpp - the CPU step down to the LLVM dialect -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Target/CPU/CPUBackend.h"

#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

std::string mlir::ost::getCPUToLLVMPipelineText() {
  // Dead views and unused weight globals go first (symbol-dce), then every
  // buffer gets its dealloc, then each dialect is lowered.
  return "canonicalize,cse,symbol-dce,buffer-deallocation-pipeline,"
         "canonicalize,convert-scf-to-cf,convert-vector-to-llvm,"
         "expand-strided-metadata,lower-affine,finalize-memref-to-llvm,"
         "convert-math-to-llvm,convert-arith-to-llvm,convert-func-to-llvm,"
         "convert-cf-to-llvm,convert-ub-to-llvm,reconcile-unrealized-casts";
}

void mlir::ost::buildCPUToLLVMPipeline(OpPassManager &pm) {
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(getCPUToLLVMPipelineText(), pm, os)))
    llvm::report_fatal_error(
        llvm::Twine("ost: invalid CPU to LLVM pipeline: ") + errors);
}
