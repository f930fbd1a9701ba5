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
    Type type = getKernelElementType(&getContext(), elementType);
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
