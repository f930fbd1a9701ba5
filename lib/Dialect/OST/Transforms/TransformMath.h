//===- TransformMath.h - float64 transform pairs on dense data --*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The arithmetic of ost.apply, ost.transform_weight and ost.repeat_heads on
// plain float64 arrays, for the passes that fold transforms into constants
// (ost-fold-transforms). It follows the op definitions exactly (OSTOps.td);
// the reference executor implements the same maps on float32 tensors.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_DIALECT_OST_TRANSFORMS_TRANSFORMMATH_H
#define OST_LIB_DIALECT_OST_TRANSFORMS_TRANSFORMMATH_H

#include "ost/Dialect/OST/IR/OSTAttrs.h"

#include "mlir/IR/Types.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace mlir::ost {

/// A transform with its parameters in float64: a rotation (d × d), block
/// rotation (blocks × bs × bs), scale (d) or Hadamard (no parameters).
struct DenseTransform {
  enum class Kind { Rotation, BlockRotation, Scale, Hadamard };
  Kind kind = Kind::Scale;
  int64_t dim = 0;
  int64_t blocks = 1, blockSize = 0;
  std::vector<double> values;
};

/// The transform of type `type` (a TransformTypeInterface type) with
/// `values` in its storage shape (ignored for a Hadamard). Fails if the
/// number of values does not match.
llvm::Expected<DenseTransform> makeDenseTransform(Type type,
                                                  std::vector<double> values);

/// ost.repeat_heads: each chunk of `headDim` channels repeated `repeats`
/// times in place.
llvm::Expected<DenseTransform> repeatHeads(const DenseTransform &t,
                                           int64_t headDim, int64_t repeats);

/// ost.transform_weight on an n × k row-major weight (k = 1 for a bias
/// vector, output side only), in place.
llvm::Error transformWeight(std::vector<double> &w, int64_t n, int64_t k,
                            const DenseTransform &t, WeightSide side,
                            bool inverse);

/// ost.apply on `rows` row vectors of length t.dim: x ↦ x·T (x·T⁻¹ with
/// `inverse`), in place.
llvm::Error applyToRows(std::vector<double> &x, int64_t rows,
                        const DenseTransform &t, bool inverse);

} // namespace mlir::ost

#endif // OST_LIB_DIALECT_OST_TRANSFORMS_TRANSFORMMATH_H
