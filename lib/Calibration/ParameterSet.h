//===- ParameterSet.h - float64 master copies of ost.param values -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The learnable parameters of a module during calibration: one entry per
// `ost.param` name (several ops may share a name), with its kind, a float64
// master value, its gradient and one optimizer state per independent matrix
// (a block rotation has one per block). Values go to the executor rounded to
// float32 and back into the module's `value` attributes at the end.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_CALIBRATION_PARAMETERSET_H
#define OST_LIB_CALIBRATION_PARAMETERSET_H

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Executor/Tensor.h"
#include "ost/Optim/Optimizers.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::ost {

/// One learnable parameter.
struct LearnableParameter {
  enum class Kind { Rotation, BlockRotation, Scale };

  std::string name;
  Kind kind = Kind::Scale;
  /// Stored shape: [d, d], [blocks, bs, bs] or [d].
  SmallVector<int64_t> shape;
  /// Independent matrices (blocks) and their size (rotations); 1 and d for
  /// scales.
  int64_t blocks = 1, blockSize = 0;
  std::vector<double> value;
  std::vector<double> grad;
  /// One per block (rotations) or one (scales).
  std::vector<::ost::optim::OptimizerState> states;
  /// Every op carrying this parameter.
  SmallVector<ParamOp, 1> ops;

  bool isRotation() const { return kind != Kind::Scale; }
  /// The value rounded to float32, in the stored shape.
  Tensor toTensor() const;
};

/// The learnable parameters of a module, in a stable (name) order.
class ParameterSet {
public:
  /// Collects every ost.param of `module`. Fails with a diagnostic if one
  /// has no value, if two ops of one name disagree in type, or if there is
  /// none at all.
  static FailureOr<ParameterSet> collect(ModuleOp module);

  MutableArrayRef<LearnableParameter> getParameters() { return params; }
  ArrayRef<LearnableParameter> getParameters() const { return params; }
  LearnableParameter *lookup(StringRef name);

  /// Total number of scalar values.
  int64_t getNumValues() const;

  /// Writes the current values into every op's `value` attribute
  /// (dense_resource blobs when large).
  void writeBack();

private:
  std::vector<LearnableParameter> params;
};

} // namespace mlir::ost

#endif // OST_LIB_CALIBRATION_PARAMETERSET_H
