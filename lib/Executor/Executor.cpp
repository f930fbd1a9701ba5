//===- Executor.cpp - interpreter loop of the reference executor ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Walks a func.func op by op, binds every SSA value to a runtime value, and
// dispatches each op to its dialect's handler. Checks function arguments,
// op results and return values against their IR types (dynamic dimensions
// match anything), optionally scans results for NaN/Inf, keeps values
// computed only from constants and parameters between runs, and calls the
// optional op observer before each op. In a recorded run (runRecorded) the
// top-level ops are also offered to the Tape (Tape.h) before they run, cache
// hits included; backward() lives in Backward.cpp.
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Executor.h"

#include "ExecutorImpl.h"
#include "Tape.h"
#include "Threading.h"

#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"

#include <cmath>
#include <thread>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

//===----------------------------------------------------------------------===//
// Shared helpers (ExecutorImpl.h)
//===----------------------------------------------------------------------===//

InFlightDiagnostic mlir::ost::detail::emitOpError(Operation *op) {
  return mlir::emitError(op->getLoc())
         << "executor: '" << op->getName() << "' ";
}

LogicalResult mlir::ost::detail::emitUnsupported(Operation *op) {
  return mlir::emitError(op->getLoc())
         << "executor: unsupported op '" << op->getName() << "'";
}

FailureOr<Tensor> mlir::ost::detail::unwrap(Operation *op,
                                            KernelResult result) {
  if (!result) {
    emitOpError(op) << llvm::toString(result.takeError());
    return failure();
  }
  return std::move(*result);
}

const RuntimeValue *OperandValues::lookup(Value v) const {
  for (auto [i, operand] : llvm::enumerate(op->getOperands()))
    if (operand == v)
      return &values[i];
  return nullptr;
}

FailureOr<const Tensor *> OperandValues::tensor(Value v) const {
  const RuntimeValue *value = lookup(v);
  if (!value || !value->getTensor())
    return emitOpError(op) << "expects a tensor operand";
  return value->getTensor();
}

FailureOr<const Tensor *> OperandValues::optionalTensor(Value v) const {
  if (!v)
    return static_cast<const Tensor *>(nullptr);
  return tensor(v);
}

FailureOr<const Transform *> OperandValues::transform(Value v) const {
  const RuntimeValue *value = lookup(v);
  if (!value || !value->getTransform())
    return emitOpError(op) << "expects a transform operand";
  return value->getTransform();
}

FailureOr<int64_t> OperandValues::integer(Value v) const {
  const RuntimeValue *value = lookup(v);
  if (!value || !value->getInt())
    return emitOpError(op) << "expects an integer or index scalar operand";
  return *value->getInt();
}

//===----------------------------------------------------------------------===//
// Type checks and finiteness
//===----------------------------------------------------------------------===//

namespace {

/// Why `value` does not fit `type`, or an empty string if it does.
std::string mismatch(const RuntimeValue &value, Type type) {
  std::string out;
  llvm::raw_string_ostream os(out);
  if (auto shaped = dyn_cast<TensorType>(type)) {
    const Tensor *t = value.getTensor();
    if (!t)
      return "is not a tensor";
    bool floatType = isa<FloatType>(shaped.getElementType());
    if (floatType != t->isFloat()) {
      os << "holds " << (t->isFloat() ? "floats" : "integers")
         << " but its type is " << type;
      return out;
    }
    auto ranked = dyn_cast<RankedTensorType>(type);
    if (!ranked)
      return out;
    bool ok = ranked.getRank() == t->getRank();
    for (int64_t d = 0; ok && d < ranked.getRank(); ++d)
      ok = ranked.isDynamicDim(d) || ranked.getDimSize(d) == t->getDimSize(d);
    if (!ok)
      os << "has shape " << t->getShapeString() << " but its type is " << type;
    return out;
  }
  if (isa<TransformTypeInterface>(type))
    return value.getTransform() ? "" : "is not a transform";
  if (isa<IndexType, IntegerType>(type))
    return value.getInt() ? "" : "is not an integer scalar";
  if (isa<FloatType>(type))
    return value.getFloat() ? "" : "is not a float scalar";
  os << "has an unsupported type " << type;
  return out;
}

/// Index of the first NaN or Inf of a float tensor, or -1.
int64_t firstNonFinite(const Tensor &t) {
  ArrayRef<float> values = t.getFloats();
  for (auto [i, v] : llvm::enumerate(values))
    if (!std::isfinite(v))
      return static_cast<int64_t>(i);
  return -1;
}

/// Formats flat index `flat` of `shape` as "[i0, i1, ...]".
std::string multiIndex(ArrayRef<int64_t> shape, int64_t flat) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return formatShape(index);
}

/// The values of one function invocation.
struct Frame {
  DenseMap<Value, RuntimeValue> values;
  /// Values computed only from constants and parameters.
  DenseSet<Value> constant;
};

} // namespace

//===----------------------------------------------------------------------===//
// Executor::Impl
//===----------------------------------------------------------------------===//

class Executor::Impl {
public:
  Impl(ModuleOp module, ExecutorOptions options)
      : module(module), options(options) {
    if (this->options.numThreads == 0)
      this->options.numThreads =
          std::max(1u, std::thread::hardware_concurrency());
  }

  FailureOr<SmallVector<Tensor>> run(StringRef name, ArrayRef<Tensor> inputs);
  FailureOr<SmallVector<Tensor>> runRecorded(StringRef name,
                                             ArrayRef<Tensor> inputs);
  FailureOr<Gradients> backward(ArrayRef<Tensor> resultGradients);
  LogicalResult setParameter(StringRef name, Tensor value);

  ModuleOp module;
  ExecutorOptions options;
  llvm::StringMap<Tensor> parameters;
  DenseMap<Value, RuntimeValue> cache;
  OpObserver observer;
  /// The recording of the last runRecorded() until backward() consumes it.
  std::unique_ptr<Tape> tape;
  /// True while runRecorded() runs.
  bool recording = false;

private:
  FailureOr<SmallVector<RuntimeValue>>
  callFunction(func::FuncOp func, ArrayRef<RuntimeValue> args, unsigned depth);
  LogicalResult executeOp(Operation *op, Frame &frame, unsigned depth);
  LogicalResult checkResults(Operation *op, ArrayRef<RuntimeValue> results);
  void notifyObserver(Operation *op, ArrayRef<RuntimeValue> operands);

  OpContext opContext() const {
    OpContext ctx;
    ctx.kernel.numThreads = options.numThreads;
    ctx.parameters = &parameters;
    return ctx;
  }
};

FailureOr<SmallVector<Tensor>> Executor::Impl::run(StringRef name,
                                                   ArrayRef<Tensor> inputs) {
  auto func = module.lookupSymbol<func::FuncOp>(name);
  if (!func)
    return mlir::emitError(module.getLoc())
           << "executor: no function named '" << name << "' in the module";
  if (func.isExternal())
    return mlir::emitError(func.getLoc())
           << "executor: function '" << name << "' has no body";
  if (inputs.size() != func.getNumArguments())
    return mlir::emitError(func.getLoc())
           << "executor: function '" << name << "' takes "
           << func.getNumArguments() << " arguments, got " << inputs.size();
  SmallVector<RuntimeValue> args;
  for (auto [i, input] : llvm::enumerate(inputs)) {
    args.push_back(RuntimeValue::ofTensor(input));
    std::string why = mismatch(args.back(), func.getArgumentTypes()[i]);
    if (!why.empty())
      return mlir::emitError(func.getLoc())
             << "executor: argument #" << i << " of '" << name << "' " << why;
  }
  ScopedSingleThreadedBlas blasGuard;
  FailureOr<SmallVector<RuntimeValue>> results =
      callFunction(func, args, /*depth=*/0);
  if (failed(results))
    return failure();
  SmallVector<Tensor> tensors;
  for (RuntimeValue &value : *results) {
    if (!value.getTensor())
      return mlir::emitError(func.getLoc())
             << "executor: function '" << name
             << "' returns a value that is not a tensor";
    // Hand the tensor over without a copy when nothing else holds it.
    std::shared_ptr<Tensor> shared = value.getSharedTensor();
    value = RuntimeValue();
    if (shared.use_count() == 1)
      tensors.push_back(std::move(*shared));
    else
      tensors.push_back(*shared);
  }
  return tensors;
}

FailureOr<SmallVector<RuntimeValue>>
Executor::Impl::callFunction(func::FuncOp func, ArrayRef<RuntimeValue> args,
                             unsigned depth) {
  if (depth > options.maxCallDepth)
    return mlir::emitError(func.getLoc())
           << "executor: call depth exceeds " << options.maxCallDepth;
  Block &body = func.getBody().front();
  Frame frame;
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    frame.values[arg] = value;
  bool record = recording && depth == 0;
  if (record)
    tape->start(func, args);
  for (Operation &op : body) {
    auto ret = dyn_cast<func::ReturnOp>(op);
    if (!ret) {
      if (failed(executeOp(&op, frame, depth)))
        return failure();
      continue;
    }
    SmallVector<RuntimeValue> results;
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      results.push_back(frame.values.lookup(v));
      std::string why = mismatch(results.back(), func.getResultTypes()[i]);
      if (!why.empty())
        return mlir::emitError(ret.getLoc())
               << "executor: result #" << i << " of '" << func.getSymName()
               << "' " << why;
    }
    if (record)
      tape->finish(ret, results);
    return results;
  }
  return mlir::emitError(func.getLoc())
         << "executor: function '" << func.getSymName()
         << "' has no func.return";
}

LogicalResult Executor::Impl::executeOp(Operation *op, Frame &frame,
                                        unsigned depth) {
  SmallVector<RuntimeValue, 4> operands;
  bool allConstant = options.cacheConstants && op->getNumRegions() == 0 &&
                     !isa<func::CallOp>(op);
  for (auto [i, v] : llvm::enumerate(op->getOperands())) {
    auto it = frame.values.find(v);
    if (it == frame.values.end())
      return emitOpError(op) << "operand #" << i << " has no value";
    operands.push_back(it->second);
    allConstant = allConstant && frame.constant.contains(v);
  }
  if (observer)
    notifyObserver(op, operands);
  if (recording && depth == 0)
    tape->record(op, operands);

  // Reuse values computed from constants and parameters in an earlier run.
  if (allConstant && op->getNumResults() > 0 &&
      llvm::all_of(op->getResults(),
                   [&](Value r) { return cache.contains(r); })) {
    for (Value r : op->getResults()) {
      frame.values[r] = cache.lookup(r);
      frame.constant.insert(r);
    }
    return success();
  }

  SmallVector<RuntimeValue, 4> results;
  StringRef dialect = op->getName().getDialectNamespace();
  if (op->getNumRegions() != 0) {
    return emitUnsupported(op);
  } else if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        op, call.getCalleeAttr());
    if (!callee || callee.isExternal())
      return emitOpError(op) << "callee '" << call.getCallee()
                             << "' is not a function with a body";
    FailureOr<SmallVector<RuntimeValue>> values =
        callFunction(callee, operands, depth + 1);
    if (failed(values))
      return failure();
    results = std::move(*values);
  } else if (dialect == OSTDialect::getDialectNamespace()) {
    if (failed(executeOSTOp(op, operands, results, opContext())))
      return failure();
  } else if (dialect == "arith" || dialect == "math" || dialect == "tensor") {
    if (failed(executeUpstreamOp(op, operands, results, opContext())))
      return failure();
  } else {
    return emitUnsupported(op);
  }

  if (failed(checkResults(op, results)))
    return failure();
  for (auto [r, value] : llvm::zip(op->getResults(), results)) {
    frame.values[r] = value;
    if (allConstant) {
      frame.constant.insert(r);
      cache[r] = value;
    }
  }
  return success();
}

FailureOr<SmallVector<Tensor>>
Executor::Impl::runRecorded(StringRef name, ArrayRef<Tensor> inputs) {
  tape = std::make_unique<Tape>();
  recording = true;
  FailureOr<SmallVector<Tensor>> results = run(name, inputs);
  recording = false;
  if (failed(results) || !tape->isComplete())
    tape.reset();
  return results;
}

FailureOr<Gradients>
Executor::Impl::backward(ArrayRef<Tensor> resultGradients) {
  // The tape is consumed whatever happens.
  std::unique_ptr<Tape> recorded = std::move(tape);
  if (!recorded)
    return mlir::emitError(module.getLoc())
           << "executor: backward() needs a recorded run (call runRecorded() "
              "first; a backward() consumes it)";
  ScopedSingleThreadedBlas blasGuard;
  KernelContext ctx;
  ctx.numThreads = options.numThreads;
  return recorded->backward(resultGradients, ctx);
}

void Executor::Impl::notifyObserver(Operation *op,
                                    ArrayRef<RuntimeValue> operands) {
  SmallVector<const Tensor *, 4> tensors;
  for (const RuntimeValue &value : operands)
    tensors.push_back(value.getTensor());
  observer(op, tensors);
}

LogicalResult Executor::Impl::checkResults(Operation *op,
                                           ArrayRef<RuntimeValue> results) {
  if (results.size() != op->getNumResults())
    return emitOpError(op) << "produced " << results.size()
                           << " results, expected " << op->getNumResults();
  for (auto [i, value] : llvm::enumerate(results)) {
    std::string why = mismatch(value, op->getResult(i).getType());
    if (!why.empty())
      return emitOpError(op) << "result #" << i << " " << why;
    if (!options.checkFinite || !value.getTensor() ||
        !value.getTensor()->isFloat())
      continue;
    int64_t bad = firstNonFinite(*value.getTensor());
    if (bad < 0)
      continue;
    float v = value.getTensor()->getFloats()[bad];
    return emitOpError(op) << "produced a non-finite value ("
                           << (std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf")
                           << ") in result #" << i << " at index "
                           << multiIndex(value.getTensor()->getShape(), bad);
  }
  return success();
}

LogicalResult Executor::Impl::setParameter(StringRef name, Tensor value) {
  ParamOp found;
  WalkResult walk = module.walk([&](ParamOp op) {
    if (op.getName() != name)
      return WalkResult::advance();
    found = op;
    auto type = cast<TransformTypeInterface>(op.getResult().getType());
    SmallVector<int64_t> storage = type.getStorageShape();
    if (!value.isFloat() || value.getShape() != ArrayRef<int64_t>(storage)) {
      emitOpError(op) << "cannot set parameter '" << name << "' to a tensor "
                      << value.getShapeString() << ": its storage shape is "
                      << formatShape(storage);
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (!found)
    return mlir::emitError(module.getLoc())
           << "executor: no ost.param named '" << name << "'";
  parameters[name] = std::move(value);
  cache.clear();
  return success();
}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

Executor::Executor(ModuleOp module, ExecutorOptions options)
    : impl(std::make_unique<Impl>(module, options)) {}
Executor::~Executor() = default;
Executor::Executor(Executor &&) noexcept = default;
Executor &Executor::operator=(Executor &&) noexcept = default;

FailureOr<SmallVector<Tensor>> Executor::run(StringRef function,
                                             ArrayRef<Tensor> inputs) {
  return impl->run(function, inputs);
}

FailureOr<SmallVector<Tensor>> Executor::runRecorded(StringRef function,
                                                     ArrayRef<Tensor> inputs) {
  return impl->runRecorded(function, inputs);
}

FailureOr<Gradients> Executor::backward(ArrayRef<Tensor> resultGradients) {
  return impl->backward(resultGradients);
}

LogicalResult Executor::setParameter(StringRef name, Tensor value) {
  return impl->setParameter(name, std::move(value));
}

void Executor::clearParameters() {
  impl->parameters.clear();
  impl->cache.clear();
}

void Executor::clearCache() { impl->cache.clear(); }

void Executor::setObserver(OpObserver observer) {
  impl->observer = std::move(observer);
}

const ExecutorOptions &Executor::getOptions() const { return impl->options; }

FailureOr<SmallVector<Tensor>>
mlir::ost::executeFunction(ModuleOp module, StringRef function,
                           ArrayRef<Tensor> inputs,
                           const ExecutorOptions &options) {
  Executor executor(module, options);
  return executor.run(function, inputs);
}
