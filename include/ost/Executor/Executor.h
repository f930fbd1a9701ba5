//===- Executor.h - reference interpreter of OST functions ------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The reference executor interprets a `func.func` of an OST module on CPU
// float32 tensors: every `ost` op, `arith.constant` (dense and
// dense_resource), elementwise `arith`/`math` float ops on tensors, the
// `tensor` reshapes, static slices, `tensor.empty`, and `func.call`. It is
// the numerical ground truth of the project: whole-model perplexity, the
// fake-quant reference for code generation, and gradients for calibration.
//
// Every floating-point tensor is computed in float32 whatever its IR element
// type (f16/bf16 values are widened; only arith.truncf rounds to the narrower
// type). Integer tensors hold token ids, quantization levels, zero points and
// packed weights.
//
// An optional observer (Executor::setObserver) sees every op with its operand
// values before it runs; analyses such as QSUR (docs/QSUR.md) use it to look
// at intermediate activations.
//
// Reverse mode (docs/Autodiff.md): Executor::runRecorded runs like run() and
// keeps a tape of the ops that depend on a float argument or an `ost.param`,
// with the operand values their gradient rules (Gradients.h) read;
// Executor::backward then propagates result gradients through the tape in
// reverse and returns d(loss)/d(parameter) for every `ost.param` and
// d(loss)/d(argument) for every float argument. Subgraphs computed only from
// constants (weights, RoPE tables) are never differentiated. The fake-quant
// rule is the straight-through estimator of METHOD §5.6.
//
// Errors (unsupported ops, missing parameter values, out-of-range token ids,
// runtime shape mismatches, non-finite values with checkFinite) are reported
// as diagnostics at the op's location through the module's MLIRContext, and
// the run returns failure; nothing asserts or aborts.
//
//===----------------------------------------------------------------------===//

#ifndef OST_EXECUTOR_EXECUTOR_H
#define OST_EXECUTOR_EXECUTOR_H

#include "ost/Executor/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <memory>
#include <optional>

namespace mlir::ost {

/// Options of the reference executor.
struct ExecutorOptions {
  /// Threads used by the kernels; 0 means std::thread::hardware_concurrency().
  /// Work is split in chunks whose boundaries do not depend on this number,
  /// so results are bit-identical for any value. During a run, OpenBLAS is
  /// set to one thread per call (the process-wide setting is restored when
  /// the run ends).
  unsigned numThreads = 1;

  /// After every op, scan its float results and fail at the first op that
  /// produced a NaN or an infinity, naming the op, its location and the
  /// first offending element.
  bool checkFinite = false;

  /// Keep the values computed only from constants and parameters (decoded
  /// weights, parameter values, transformed weights) between runs of the
  /// same Executor, so repeated forwards (perplexity windows) decode and fuse
  /// them once. setParameter() and clearCache() drop them.
  bool cacheConstants = true;

  /// Maximum depth of nested func.call.
  unsigned maxCallDepth = 64;
};

/// Called before each op of a run with the op and its operand values: one
/// pointer per operand, null for operands that are not tensors (transforms,
/// scalars). The tensors are valid only during the call. Used by analyses
/// that look at intermediate activations (QSUR); must not modify the module.
using OpObserver =
    std::function<void(Operation *op, ArrayRef<const Tensor *> operands)>;

/// Gradients of a recorded run (Executor::backward).
struct Gradients {
  /// d(loss)/d(value) of every `ost.param` the recorded run executed, by
  /// name, in the shape of its stored value (rotation [d, d], block rotation
  /// [b, bs, bs], scale [d]). Uses of the same name accumulate; a parameter
  /// the result gradients do not reach gets zeros.
  llvm::StringMap<Tensor> parameters;
  /// One per function argument: the gradient of a float argument (zeros if
  /// unreached), std::nullopt for integer ones.
  SmallVector<std::optional<Tensor>> arguments;
};

/// Interprets functions of one module. The module must outlive the
/// Executor and must not be modified while cached values are kept (call
/// clearCache() after changing it). An Executor is not thread-safe: use one
/// per thread.
class Executor {
public:
  explicit Executor(ModuleOp module, ExecutorOptions options = {});
  ~Executor();
  Executor(Executor &&) noexcept;
  Executor &operator=(Executor &&) noexcept;

  /// Runs the function named `function` on `inputs` (one per argument, float
  /// tensors for float arguments, integer tensors for integer ones; dynamic
  /// dimensions take the input's size). Returns one tensor per result, or
  /// failure after emitting a diagnostic.
  FailureOr<SmallVector<Tensor>> run(StringRef function,
                                     ArrayRef<Tensor> inputs);

  /// Like run(), but records what backward() needs: the operand values read
  /// by the gradient rules of every op that depends on a float argument or an
  /// `ost.param` (values reused from the constant cache included). Replaces
  /// any earlier recording.
  FailureOr<SmallVector<Tensor>> runRecorded(StringRef function,
                                             ArrayRef<Tensor> inputs);

  /// Backpropagates `resultGradients` (one per function result, in the
  /// result's shape; an all-zero one is skipped) through the last
  /// runRecorded() run and frees its tape.
  /// Fails with a diagnostic if there is no recorded run, or at the op when an
  /// op on the gradient path has no gradient rule (the diagnostic names it);
  /// the tape is freed either way. Gradients do not flow through func.call.
  FailureOr<Gradients> backward(ArrayRef<Tensor> resultGradients);

  /// Uses `value` for every `ost.param` named `name` instead of its `value`
  /// attribute (e.g. during calibration). Fails with a diagnostic if no such
  /// parameter exists or the shape differs from its storage shape. Drops
  /// cached values.
  LogicalResult setParameter(StringRef name, Tensor value);

  /// Forgets every setParameter() override. Drops cached values.
  void clearParameters();

  /// Drops the values kept by ExecutorOptions::cacheConstants.
  void clearCache();

  /// Calls `observer` before every op of every later run, including the ops
  /// of called functions, in execution order. Ops whose results are reused
  /// from the constant cache (ExecutorOptions::cacheConstants) are observed
  /// too, with the same operands, so every run sees every op. A null
  /// observer removes it; without one the interpreter does no extra work.
  void setObserver(OpObserver observer);

  /// The options this executor runs with.
  const ExecutorOptions &getOptions() const;

private:
  class Impl;
  std::unique_ptr<Impl> impl;
};

/// Runs `function` of `module` once with a fresh Executor.
FailureOr<SmallVector<Tensor>> executeFunction(ModuleOp module,
                                               StringRef function,
                                               ArrayRef<Tensor> inputs,
                                               const ExecutorOptions &options =
                                                   {});

} // namespace mlir::ost

#endif // OST_EXECUTOR_EXECUTOR_H
