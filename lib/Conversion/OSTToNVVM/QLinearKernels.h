//===- QLinearKernels.h - kernels for the ost.qlinear family ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The op-family lowering of convert-ost-qlinear-to-nvvm: one object per
// module run, which creates the kernel module on first use and one kernel
// per distinct linear configuration.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_CONVERSION_OSTTONVVM_QLINEARKERNELS_H
#define OST_LIB_CONVERSION_OSTTONVVM_QLINEARKERNELS_H

#include "NVVMLowering.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::ost::nvvm {

/// Name of the generated kernel module.
constexpr llvm::StringLiteral kKernelModuleName = "ost_kernels";
/// Attribute naming a linear's kernel (`@ost_kernels::@name`).
constexpr llvm::StringLiteral kKernelAttrName = "ost.gpu_kernel";

class QLinearKernels {
public:
  QLinearKernels(ModuleOp module, const TargetInfo &target, Type elementType);

  /// Emits (or reuses) the kernel of `op` and records it on `op`; reports
  /// unsupported forms on `op`.
  LogicalResult lower(QLinearOp op);

private:
  gpu::GPUModuleOp getKernelModule();
  SymbolRefAttr getOrEmit(StringRef name,
                          function_ref<void(OpBuilder &, Location)> emit);

  ModuleOp module;
  const TargetInfo &target;
  Type elementType;
  gpu::GPUModuleOp kernelModule;
};

} // namespace mlir::ost::nvvm

#endif // OST_LIB_CONVERSION_OSTTONVVM_QLINEARKERNELS_H
