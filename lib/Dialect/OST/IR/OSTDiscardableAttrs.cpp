//===- OSTDiscardableAttrs.cpp - verifier of ost.* discardable attributes -===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// OSTDialect::verifyOperationAttribute: the `ost.`-prefixed attributes that
// passes and tools put on operations (OSTBase.td lists them). `ost.model_info`
// is the typed #ost.model_info (its parameters are ModelABI.def's entries).
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::ost;

LogicalResult OSTDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  if (name == "ost.model_info" || name == "ost.quantization") {
    if (!isa<ModuleOp>(op))
      return op->emitOpError("'") << name << "' belongs on a builtin.module";
    if (name == "ost.model_info") {
      if (!isa<ModelInfoAttr>(value))
        return op->emitOpError("'ost.model_info' must be a #ost.model_info, "
                               "got ")
               << value;
      return success();
    }
    auto text = dyn_cast<StringAttr>(value);
    if (!text || text.getValue().trim().empty())
      return op->emitOpError("'ost.quantization' must be a non-empty string "
                             "(\"<method> <bits>\"), got ")
             << value;
    return success();
  }
  if (name == "ost.gpu_kernel") {
    if (!isa<QLinearOp>(op))
      return op->emitOpError("'ost.gpu_kernel' belongs on an ost.qlinear");
    if (!isa<SymbolRefAttr>(value))
      return op->emitOpError("'ost.gpu_kernel' must be a symbol reference, "
                             "got ")
             << value;
    return success();
  }
  if (name == "ost.tile" || name == "ost.dynamic_smem") {
    if (!isa<FunctionOpInterface>(op))
      return op->emitOpError("'") << name << "' belongs on a function";
    if (name == "ost.tile") {
      auto tile = dyn_cast<DenseI64ArrayAttr>(value);
      if (!tile || tile.empty() ||
          llvm::any_of(tile.asArrayRef(), [](int64_t v) { return v <= 0; }))
        return op->emitOpError("'ost.tile' must be a non-empty array of "
                               "positive i64, got ")
               << value;
      return success();
    }
    auto bytes = dyn_cast<IntegerAttr>(value);
    if (!bytes || bytes.getValue().isNegative())
      return op->emitOpError("'ost.dynamic_smem' must be a non-negative "
                             "integer, got ")
             << value;
    return success();
  }
  return op->emitOpError("unknown discardable attribute '")
         << name
         << "' (the ost dialect has ost.quantization, ost.model_info, "
            "ost.gpu_kernel, ost.tile, ost.dynamic_smem)";
}
