//===- OSTTypes.cpp - OST transform types ---------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Support/HadamardSizes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ost;

#include "ost/Dialect/OST/IR/OSTTypeInterfaces.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "ost/Dialect/OST/IR/OSTTypes.cpp.inc"

void OSTDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "ost/Dialect/OST/IR/OSTTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// RotationType
//===----------------------------------------------------------------------===//

LogicalResult
RotationType::verify(function_ref<InFlightDiagnostic()> emitError, int64_t dim) {
  if (dim <= 0)
    return emitError() << "rotation dimension must be positive, got " << dim;
  return success();
}
int64_t RotationType::getDim() const { return getDimension(); }
bool RotationType::isOrthogonal() const { return true; }
bool RotationType::isLearnable() const { return true; }
SmallVector<int64_t> RotationType::getStorageShape() const {
  return {getDimension(), getDimension()};
}

//===----------------------------------------------------------------------===//
// BlockRotationType
//===----------------------------------------------------------------------===//

LogicalResult BlockRotationType::verify(
    function_ref<InFlightDiagnostic()> emitError, int64_t blocks,
    int64_t blockSize) {
  if (blocks <= 0 || blockSize <= 0)
    return emitError() << "block rotation needs a positive block count and "
                          "block size, got "
                       << blocks << " x " << blockSize;
  return success();
}
int64_t BlockRotationType::getDim() const {
  return getBlocks() * getBlockSize();
}
bool BlockRotationType::isOrthogonal() const { return true; }
bool BlockRotationType::isLearnable() const { return true; }
SmallVector<int64_t> BlockRotationType::getStorageShape() const {
  return {getBlocks(), getBlockSize(), getBlockSize()};
}

//===----------------------------------------------------------------------===//
// ScaleType
//===----------------------------------------------------------------------===//

LogicalResult ScaleType::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t dim) {
  if (dim <= 0)
    return emitError() << "scale dimension must be positive, got " << dim;
  return success();
}
int64_t ScaleType::getDim() const { return getDimension(); }
bool ScaleType::isOrthogonal() const { return false; }
bool ScaleType::isLearnable() const { return true; }
SmallVector<int64_t> ScaleType::getStorageShape() const {
  return {getDimension()};
}

//===----------------------------------------------------------------------===//
// HadamardType
//===----------------------------------------------------------------------===//

LogicalResult HadamardType::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t dim) {
  if (!getHadamardFactor(dim))
    return emitError() << "no Hadamard matrix of size " << dim
                       << " is known: the size must be K*2^m with K one of "
                       << formatKnownHadamardOrders();
  return success();
}
int64_t HadamardType::getDim() const { return getDimension(); }
bool HadamardType::isOrthogonal() const { return true; }
bool HadamardType::isLearnable() const { return false; }
SmallVector<int64_t> HadamardType::getStorageShape() const { return {}; }
