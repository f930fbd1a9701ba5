//===- TargetInfo.cpp - NVIDIA architecture differences -------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Shared-memory limits are the per-block opt-in maxima of the CUDA
// programming guide (compute capability table): 163 KB on sm_80, 99 KB on
// sm_86 / sm_89, 227 KB on sm_90.
//
//===----------------------------------------------------------------------===//

#include "ost/Conversion/OSTToNVVM/TargetInfo.h"

using namespace mlir::ost::nvvm;

std::optional<TargetInfo> TargetInfo::get(llvm::StringRef chip) {
  TargetInfo info;
  info.chip = chip.str();
  if (chip == "sm_80") {
    info.computeCapability = 80;
    info.maxDynamicSharedMemory = 163 * 1024;
  } else if (chip == "sm_86" || chip == "sm_89") {
    info.computeCapability = chip == "sm_86" ? 86 : 89;
    info.maxDynamicSharedMemory = 99 * 1024;
  } else if (chip == "sm_90a") {
    info.computeCapability = 90;
    info.maxDynamicSharedMemory = 227 * 1024;
    info.intMma = IntMma::S8M16N8K32;
  } else {
    return std::nullopt;
  }
  return info;
}
