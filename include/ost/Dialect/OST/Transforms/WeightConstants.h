//===- WeightConstants.h - read and write f32 weight constants --*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Passes that rewrite weights (norm folding, transform folding, transform
// initialization) read constants given as `dense` or `dense_resource` and
// write large results as `dense_resource` blobs, never as inline text.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_TRANSFORMS_WEIGHTCONSTANTS_H
#define OST_DIALECT_OST_TRANSFORMS_WEIGHTCONSTANTS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <vector>

namespace mlir::ost {

/// Tensors with at least this many elements are written as dense_resource
/// blobs.
constexpr int64_t kResourceThreshold = 64;

/// The f32 values of a `dense` or `dense_resource` elements attribute, or
/// failure (other element type, missing blob).
FailureOr<std::vector<float>> getF32Elements(ElementsAttr attr);

/// The f32 values of a constant tensor value, or failure (not a constant, or
/// see getF32Elements).
FailureOr<std::vector<float>> getF32Constant(Value value);

/// An elements attribute of `type` holding `data` (`dense_resource` named
/// after `blobName` when large, inline `dense` otherwise).
ElementsAttr createF32Elements(RankedTensorType type, ArrayRef<float> data,
                               StringRef blobName);

/// An arith.constant holding `data` (see createF32Elements).
Value createF32Constant(OpBuilder &builder, Location loc, RankedTensorType type,
                        ArrayRef<float> data, StringRef blobName);

/// Rounds float64 values to float32.
std::vector<float> toF32(ArrayRef<double> values);

} // namespace mlir::ost

#endif // OST_DIALECT_OST_TRANSFORMS_WEIGHTCONSTANTS_H
