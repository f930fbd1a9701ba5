//===- TargetInfo.h - NVIDIA architecture differences ----------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// What the qlinear kernels need to know about the chip they are generated
// for: which integer tensor-core instruction the W4A4 main loop uses (native
// s4 mma.sync m16n8k64 on sm_80..sm_89; Hopper has no int4 MMA, so int4 is
// widened to s8 in registers for mma.sync m16n8k32), how much dynamic shared
// memory one CTA may use (it bounds the fused prologue's activation strip),
// and the PTX features nvvm-attach-target needs.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CONVERSION_OSTTONVVM_TARGETINFO_H
#define OST_CONVERSION_OSTTONVVM_TARGETINFO_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::ost::nvvm {

/// The integer MMA the W4A4 main loop issues.
enum class IntMma {
  /// mma.sync.m16n8k64.s32.s4.s4.s32: int4 operands straight from memory.
  S4M16N8K64,
  /// mma.sync.m16n8k32.s32.s8.s8.s32 on int4 nibbles widened to bytes
  /// (two MMAs per int4 k-block of 64).
  S8M16N8K32,
};

/// Architecture facts for one `chip`.
class TargetInfo {
public:
  /// The target for `chip` (sm_80, sm_86, sm_89, sm_90a); none otherwise.
  static std::optional<TargetInfo> get(llvm::StringRef chip);

  /// The chips get() accepts, for diagnostics.
  static llvm::StringRef getSupportedChips() {
    return "sm_80, sm_86, sm_89, sm_90a";
  }

  llvm::StringRef getChip() const { return chip; }
  int getComputeCapability() const { return computeCapability; }
  IntMma getIntMma() const { return intMma; }
  /// Dynamic shared memory one CTA may opt into (cuFuncSetAttribute
  /// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), in bytes.
  int64_t getMaxDynamicSharedMemory() const { return maxDynamicSharedMemory; }
  /// PTX ISA features for nvvm-attach-target.
  llvm::StringRef getPtxFeatures() const { return "+ptx80"; }

private:
  std::string chip;
  int computeCapability = 0;
  IntMma intMma = IntMma::S4M16N8K64;
  int64_t maxDynamicSharedMemory = 0;
};

} // namespace mlir::ost::nvvm

#endif // OST_CONVERSION_OSTTONVVM_TARGETINFO_H
