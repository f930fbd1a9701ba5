//===- WeightConstants.cpp - read and write f32 weight constants ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/WeightConstants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::ost;

FailureOr<std::vector<float>> mlir::ost::getF32Elements(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.getElementType().isF32())
    return failure();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  if (auto res = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = res.tryGetAsArrayRef();
    if (!data || static_cast<int64_t>(data->size()) != type.getNumElements())
      return failure();
    return std::vector<float>(data->begin(), data->end());
  }
  return failure();
}

FailureOr<std::vector<float>> mlir::ost::getF32Constant(Value value) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return failure();
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements)
    return failure();
  return getF32Elements(elements);
}

ElementsAttr mlir::ost::createF32Elements(RankedTensorType type,
                                          ArrayRef<float> data,
                                          StringRef blobName) {
  if (type.getNumElements() >= kResourceThreshold)
    return cast<ElementsAttr>(DenseF32ResourceElementsAttr::get(
        type, blobName, HeapAsmResourceBlob::allocateAndCopyInferAlign(data)));
  return DenseElementsAttr::get(type, data);
}

Value mlir::ost::createF32Constant(OpBuilder &builder, Location loc,
                                   RankedTensorType type, ArrayRef<float> data,
                                   StringRef blobName) {
  auto attr = cast<TypedAttr>(createF32Elements(type, data, blobName));
  return arith::ConstantOp::create(builder, loc, type, attr);
}

std::vector<float> mlir::ost::toF32(ArrayRef<double> values) {
  std::vector<float> out(values.size());
  for (size_t i = 0, e = values.size(); i < e; ++i)
    out[i] = static_cast<float>(values[i]);
  return out;
}
