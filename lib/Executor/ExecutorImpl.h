//===- ExecutorImpl.h - internals shared by the executor --------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The runtime value of an SSA value, and the per-dialect op handlers that the
// interpreter loop (Executor.cpp) dispatches to.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_EXECUTOR_EXECUTORIMPL_H
#define OST_LIB_EXECUTOR_EXECUTORIMPL_H

#include "ost/Executor/Kernels.h"
#include "ost/Executor/Tensor.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <optional>

namespace mlir::ost::detail {

/// The runtime value of an SSA value: a tensor, a transform, or a scalar
/// (index/integer or float). Tensors and transforms are shared, immutable
/// once produced.
class RuntimeValue {
public:
  RuntimeValue() = default;
  static RuntimeValue ofTensor(Tensor tensor) {
    RuntimeValue v;
    v.tensor = std::make_shared<Tensor>(std::move(tensor));
    return v;
  }
  static RuntimeValue ofTensor(std::shared_ptr<Tensor> tensor) {
    RuntimeValue v;
    v.tensor = std::move(tensor);
    return v;
  }
  static RuntimeValue ofTransform(Transform transform) {
    RuntimeValue v;
    v.transform = std::make_shared<const Transform>(std::move(transform));
    return v;
  }
  static RuntimeValue ofInt(int64_t value) {
    RuntimeValue v;
    v.intScalar = value;
    return v;
  }
  static RuntimeValue ofFloat(double value) {
    RuntimeValue v;
    v.floatScalar = value;
    return v;
  }

  /// The tensor, or null.
  const Tensor *getTensor() const { return tensor.get(); }
  /// The shared tensor (for results handed out without a copy).
  const std::shared_ptr<Tensor> &getSharedTensor() const { return tensor; }
  /// The transform, or null.
  const Transform *getTransform() const { return transform.get(); }
  /// The integer (index) scalar, if this is one.
  std::optional<int64_t> getInt() const { return intScalar; }
  /// The float scalar, if this is one.
  std::optional<double> getFloat() const { return floatScalar; }

private:
  std::shared_ptr<Tensor> tensor;
  std::shared_ptr<const Transform> transform;
  std::optional<int64_t> intScalar;
  std::optional<double> floatScalar;
};

/// What an op handler may use besides its operands.
struct OpContext {
  KernelContext kernel;
  /// Parameter values overriding `ost.param` value attributes, by name.
  const llvm::StringMap<Tensor> *parameters = nullptr;
};

/// Executes one op of the `ost` dialect on its operand values, appending one
/// value per result. Emits a diagnostic and fails on any error.
LogicalResult executeOSTOp(Operation *op, ArrayRef<RuntimeValue> operands,
                           SmallVectorImpl<RuntimeValue> &results,
                           const OpContext &ctx);

/// The same for the supported `arith`, `math` and `tensor` ops.
LogicalResult executeUpstreamOp(Operation *op, ArrayRef<RuntimeValue> operands,
                                SmallVectorImpl<RuntimeValue> &results,
                                const OpContext &ctx);

/// Decodes a dense or dense_resource elements attribute into a tensor
/// (floats of any width become f32). Emits at `op` on failure.
FailureOr<Tensor> loadElements(ElementsAttr attr, Operation *op);

/// The storage of an integer element type (index counts as 64 bits).
IntFormat getIntFormat(Type elementType);

/// Emits "executor: 'op.name' " at the op's location, for the caller to
/// complete.
InFlightDiagnostic emitOpError(Operation *op);

/// Emits "executor: unsupported op 'op.name'" and fails.
LogicalResult emitUnsupported(Operation *op);

/// Unwraps a kernel result, emitting its error at `op`.
FailureOr<Tensor> unwrap(Operation *op, KernelResult result);

/// The operand values of one op, looked up by SSA value (optional operands
/// shift positions, so handlers ask for `op.getBias()` and the like).
class OperandValues {
public:
  OperandValues(Operation *op, ArrayRef<RuntimeValue> values)
      : op(op), values(values) {}

  /// The runtime value of operand `v`, or null if `v` is not an operand.
  const RuntimeValue *lookup(Value v) const;
  /// The tensor of operand `v`; emits an error at the op if it is none.
  FailureOr<const Tensor *> tensor(Value v) const;
  /// Like tensor(), but null (success) when `v` is a null Value.
  FailureOr<const Tensor *> optionalTensor(Value v) const;
  /// The transform of operand `v`; emits an error at the op if it is none.
  FailureOr<const Transform *> transform(Value v) const;
  /// The integer scalar of operand `v`; emits an error if it is none.
  FailureOr<int64_t> integer(Value v) const;

private:
  Operation *op;
  ArrayRef<RuntimeValue> values;
};

} // namespace mlir::ost::detail

#endif // OST_LIB_EXECUTOR_EXECUTORIMPL_H
