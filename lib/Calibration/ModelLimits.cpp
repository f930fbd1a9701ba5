//===- ModelLimits.cpp - what inputs a model function accepts -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/ModelLimits.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::ost;

/// The static number of rows of a RoPE table value, looking through one
/// extract_slice (the importer slices the first T rows of a constant).
static std::optional<int64_t> tableRows(Value table) {
  if (auto slice = table.getDefiningOp<tensor::ExtractSliceOp>())
    table = slice.getSource();
  auto type = dyn_cast<RankedTensorType>(table.getType());
  if (!type || type.getRank() < 2 || type.isDynamicDim(type.getRank() - 2))
    return std::nullopt;
  return type.getDimSize(type.getRank() - 2);
}

std::optional<int64_t> mlir::ost::getMaxSequenceLength(ModuleOp module) {
  std::optional<int64_t> limit;
  module.walk([&](RopeOp rope) {
    std::optional<int64_t> rows = tableRows(rope.getCos());
    if (rows && (!limit || *rows < *limit))
      limit = rows;
  });
  return limit;
}

LogicalResult mlir::ost::checkSequenceLength(ModuleOp module, int64_t seqLen,
                                             StringRef pass) {
  std::optional<int64_t> limit = getMaxSequenceLength(module);
  if (limit && seqLen > *limit)
    return emitError(module.getLoc())
           << pass << ": seq-len " << seqLen
           << " exceeds the model's maximum sequence length " << *limit
           << " (the rows of its RoPE tables)";
  return success();
}
