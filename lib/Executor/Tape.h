//===- Tape.h - recording of a run for reverse mode -------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A Tape records the top-level ops of one run (Executor::runRecorded) that
// depend on a float function argument or an `ost.param`, with the operand
// values their gradient rules read, and later propagates result gradients
// back through them (Executor::backward). Gradient rules of the individual
// ops are in BackwardHandlers.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_EXECUTOR_TAPE_H
#define OST_LIB_EXECUTOR_TAPE_H

#include "ExecutorImpl.h"

#include "ost/Executor/Executor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>
#include <vector>

namespace mlir::ost::detail {

/// One recorded op.
struct TapeEntry {
  Operation *op = nullptr;
  /// The operand values its gradient rule reads; the others are empty
  /// RuntimeValues. Transforms and scalars are always kept (they are small
  /// and shared).
  SmallVector<RuntimeValue, 4> operands;
  /// The shape of every tensor operand (empty for other operands).
  SmallVector<SmallVector<int64_t, 4>, 4> operandShapes;
  /// Which operands need a gradient.
  SmallVector<bool, 4> requiresGrad;
};

/// Which operand values the gradient rule of `op` reads when the operands
/// flagged in `requiresGrad` need a gradient (tensor operands only; the
/// caller keeps transforms and scalars anyway).
SmallVector<bool, 4> operandsReadByRule(Operation *op,
                                        ArrayRef<bool> requiresGrad);

/// Runs the gradient rule of `entry.op`. `resultGrads` holds one gradient per
/// result (null where none reached it; the rule may move from them).
/// `operandGrads` gets one entry per operand, set for the operands that
/// require a gradient and receive one. Fails with a diagnostic at the op,
/// naming it, if it has no rule or its rule cannot handle the operands that
/// need gradients.
LogicalResult
runGradientRule(const TapeEntry &entry, ArrayRef<Tensor *> resultGrads,
                SmallVectorImpl<std::optional<Tensor>> &operandGrads,
                const KernelContext &ctx);

/// The recording of one run and its backward pass.
class Tape {
public:
  /// Starts recording a call of `func` on `args` (the top-level function).
  void start(func::FuncOp func, ArrayRef<RuntimeValue> args);

  /// Called before `op` runs with its operand values: if the op depends on
  /// a value that needs a gradient (or defines an `ost.param`, or calls a
  /// function that contains one) it is recorded and its float tensor and
  /// transform results are marked as needing gradients.
  void record(Operation *op, ArrayRef<RuntimeValue> operands);

  /// Ends the recording at the function's return with its result values.
  void finish(func::ReturnOp ret, ArrayRef<RuntimeValue> results);

  /// True once a complete run has been recorded.
  bool isComplete() const { return complete; }

  /// Propagates `resultGradients` back through the recorded ops, freeing
  /// what each op kept as soon as it is processed.
  FailureOr<Gradients> backward(ArrayRef<Tensor> resultGradients,
                                const KernelContext &ctx);

private:
  /// Whether `callee` (or a function it calls) defines an `ost.param`.
  bool reachesParams(func::FuncOp callee);

  func::FuncOp func;
  /// Shapes of the function's tensor arguments.
  SmallVector<SmallVector<int64_t, 4>> argumentShapes;
  /// Values that need gradients.
  DenseSet<Value> requiresGrad;
  std::vector<TapeEntry> entries;
  /// The returned values and their shapes.
  SmallVector<Value> returned;
  SmallVector<SmallVector<int64_t, 4>> returnedShapes;
  DenseMap<Operation *, bool> paramsReached;
  bool complete = false;
};

} // namespace mlir::ost::detail

#endif // OST_LIB_EXECUTOR_TAPE_H
