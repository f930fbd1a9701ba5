//===- OSTDiscardableAttrs.cpp - verifier of ost.* discardable attributes -===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// OSTDialect::verifyOperationAttribute: the `ost.`-prefixed attributes that
// passes and tools put on operations (OSTBase.td lists them). The entries of
// `ost.model_info` are the runtime ABI's (ModelABI.def), so a lowering that
// drifts from the runtime fails verification, not a compiled model.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/runtime/ModelInfoFields.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::ost;

namespace {

using ::ost::runtime::abi::InfoSource;
using ::ost::runtime::abi::InfoType;
using ::ost::runtime::abi::kModelInfoEntries;

/// The entries of ost.model_info: ModelABI.def's fields taken from the
/// attribute, and its attribute-only entries.
bool isModelInfoEntry(const ::ost::runtime::abi::InfoEntry &entry) {
  return entry.source == InfoSource::ATTR;
}

LogicalResult verifyModelInfo(Operation *op, NamedAttribute attr) {
  auto dict = dyn_cast<DictionaryAttr>(attr.getValue());
  if (!dict)
    return op->emitOpError("'ost.model_info' must be a dictionary, got ")
           << attr.getValue();
  for (const ::ost::runtime::abi::InfoEntry &entry : kModelInfoEntries) {
    if (!isModelInfoEntry(entry))
      continue;
    Attribute value = dict.get(entry.name);
    if (!value)
      return op->emitOpError("'ost.model_info' lacks '")
             << entry.name << "' (the runtime ABI's entries: ModelABI.def)";
    bool ok = entry.type == InfoType::I64
                  ? isa<IntegerAttr>(value) &&
                        cast<IntegerAttr>(value).getType().isInteger(64)
                  : isa<FloatAttr>(value) &&
                        cast<FloatAttr>(value).getType().isF32();
    if (!ok)
      return op->emitOpError("'ost.model_info' entry '")
             << entry.name << "' must be "
             << (entry.type == InfoType::I64 ? "an i64 integer" : "an f32")
             << ", got " << value;
  }
  for (NamedAttribute entry : dict)
    if (!llvm::any_of(kModelInfoEntries,
                      [&](const ::ost::runtime::abi::InfoEntry &e) {
                        return isModelInfoEntry(e) &&
                               entry.getName().getValue() == e.name;
                      }))
      return op->emitOpError("'ost.model_info' has an entry '")
             << entry.getName().getValue()
             << "' the runtime ABI does not know (ModelABI.def)";
  return success();
}

} // namespace

LogicalResult OSTDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  if (name == "ost.model_info" || name == "ost.quantization") {
    if (!isa<ModuleOp>(op))
      return op->emitOpError("'") << name << "' belongs on a builtin.module";
    if (name == "ost.model_info")
      return verifyModelInfo(op, attr);
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
