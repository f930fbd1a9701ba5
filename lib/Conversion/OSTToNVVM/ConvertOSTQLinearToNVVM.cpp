//===- ConvertOSTQLinearToNVVM.cpp - kernels for the quantized linears ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// convert-ost-qlinear-to-nvvm (see Passes.td): checks the options, then
// hands every ost.qlinear to the qlinear kernel family (QLinearKernels.cpp).
//
//===----------------------------------------------------------------------===//

#include "QLinearKernels.h"

#include "ost/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::ost {
#define GEN_PASS_DEF_CONVERTOSTQLINEARTONVVMPASS
#include "ost/Conversion/Passes.h.inc"
} // namespace mlir::ost

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::nvvm;

namespace {

/// The element type named by the `element-type` option, or null.
Type parseElementType(MLIRContext *ctx, StringRef name) {
  if (name == "f16")
    return Float16Type::get(ctx);
  if (name == "bf16")
    return BFloat16Type::get(ctx);
  if (name == "f32")
    return Float32Type::get(ctx);
  return nullptr;
}

struct ConvertOSTQLinearToNVVMPass final
    : ost::impl::ConvertOSTQLinearToNVVMPassBase<ConvertOSTQLinearToNVVMPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<TargetInfo> target = TargetInfo::get(chip);
    if (!target) {
      module.emitError("convert-ost-qlinear-to-nvvm: unsupported chip '")
          << chip << "' (expected " << TargetInfo::getSupportedChips() << ")";
      return signalPassFailure();
    }
    Type type = parseElementType(&getContext(), elementType);
    if (!type) {
      module.emitError("convert-ost-qlinear-to-nvvm: unsupported element "
                       "type '")
          << elementType << "' (expected f16, bf16 or f32)";
      return signalPassFailure();
    }
    QLinearKernels kernels(module, *target, type);
    bool failed = false;
    module.walk([&](QLinearOp op) {
      if (mlir::failed(kernels.lower(op)))
        failed = true;
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
