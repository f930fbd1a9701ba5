//===- RaiseONNXPass.cpp - the ost-raise-onnx pass ------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Stages 2 and 3 of the importer as a pass over IR of generic onnx.* ops:
// the symbolic-shape annotations are read into a fresh import context
// (there is no model behind it), then raiseToOST and reportLeftovers run as
// they do inside importONNXBuffer.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Importer/ONNX/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTRAISEONNXPASS
#include "ost/Importer/ONNX/Passes.h.inc"
} // namespace mlir::ost

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

struct RaiseONNXPass
    : public mlir::ost::impl::OSTRaiseONNXPassBase<RaiseONNXPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ImportOptions options;
    options.resourceThreshold = resourceThreshold;
    ImportContext ictx(&getContext(), options, /*model=*/nullptr);
    if (failed(readSymbolAnnotations(module, ictx)) ||
        failed(raiseToOST(module, ictx)) ||
        failed(reportLeftovers(module, ictx)))
      return signalPassFailure();
    ictx.releaseUnusedBlobs(module);
  }
};

} // namespace
