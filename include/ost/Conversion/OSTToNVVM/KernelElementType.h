//===- KernelElementType.h - activation type of the NVVM kernels -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The `element-type` option of convert-ost-qlinear-to-nvvm and of
// ost-qlinear-to-nvvm-pipeline: the kernels' activation and output type.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CONVERSION_OSTTONVVM_KERNELELEMENTTYPE_H
#define OST_CONVERSION_OSTTONVVM_KERNELELEMENTTYPE_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::ost {

enum class KernelElementType { F16, BF16, F32 };

/// The option values (for `llvm::cl::values`).
inline auto getKernelElementTypeValues() {
  return llvm::cl::values(
      clEnumValN(KernelElementType::F16, "f16", "float16"),
      clEnumValN(KernelElementType::BF16, "bf16", "bfloat16"),
      clEnumValN(KernelElementType::F32, "f32", "float32"));
}

inline Type getKernelElementType(MLIRContext *context, KernelElementType type) {
  switch (type) {
  case KernelElementType::F16:
    return Float16Type::get(context);
  case KernelElementType::BF16:
    return BFloat16Type::get(context);
  case KernelElementType::F32:
    return Float32Type::get(context);
  }
  llvm_unreachable("covered switch");
}

} // namespace mlir::ost

#endif // OST_CONVERSION_OSTTONVVM_KERNELELEMENTTYPE_H
