//===- Backward.cpp - tape recording and the reverse sweep ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Recording: a value needs a gradient if it is a float argument of the
// top-level function, an `ost.param` result, or a float tensor or transform
// result of an op with such an operand. Only ops with such operands (and the
// params) are recorded, so constant subgraphs (weights, RoPE tables, their
// cached transforms) cost nothing. Each entry keeps just the operand values
// its rule reads (operandsReadByRule).
//
// Backward: gradients are accumulated per SSA value while walking the tape
// in reverse; an op is processed once all its users have been (reverse
// program order), its result gradients are freed right after its rule runs,
// and so are the operand values it kept. Parameter gradients accumulate by
// name.
//
//===----------------------------------------------------------------------===//

#include "Tape.h"
#include "Threading.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

namespace {

/// True for the types whose values carry gradients: float tensors and
/// transforms.
bool isDifferentiable(Type type) {
  if (auto tensor = dyn_cast<TensorType>(type))
    return isa<FloatType>(tensor.getElementType());
  return isa<TransformTypeInterface>(type);
}

/// acc += g elementwise (same shape).
void addInPlace(Tensor &acc, const Tensor &g, unsigned numThreads) {
  float *a = acc.getFloatData();
  const float *b = g.getFloatData();
  parallelFor(acc.getNumElements(), int64_t(1) << 16, numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i)
                  a[i] += b[i];
              });
}

} // namespace

//===----------------------------------------------------------------------===//
// Recording
//===----------------------------------------------------------------------===//

void Tape::start(func::FuncOp function, ArrayRef<RuntimeValue> args) {
  func = function;
  Block &body = func.getBody().front();
  for (auto [arg, value] : llvm::zip(body.getArguments(), args)) {
    argumentShapes.emplace_back();
    if (const Tensor *t = value.getTensor())
      argumentShapes.back().assign(t->getShape().begin(), t->getShape().end());
    if (isDifferentiable(arg.getType()))
      requiresGrad.insert(arg);
  }
}

bool Tape::reachesParams(func::FuncOp callee) {
  auto it = paramsReached.find(callee);
  if (it != paramsReached.end())
    return it->second;
  // Worklist over the functions reachable from the callee.
  SmallVector<func::FuncOp> worklist{callee};
  DenseSet<Operation *> visited{callee};
  bool found = false;
  while (!worklist.empty() && !found) {
    func::FuncOp f = worklist.pop_back_val();
    f.walk([&](Operation *op) {
      if (isa<ParamOp>(op)) {
        found = true;
        return WalkResult::interrupt();
      }
      if (auto call = dyn_cast<func::CallOp>(op))
        if (auto next = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                op, call.getCalleeAttr()))
          if (visited.insert(next).second)
            worklist.push_back(next);
      return WalkResult::advance();
    });
  }
  paramsReached[callee] = found;
  return found;
}

void Tape::record(Operation *op, ArrayRef<RuntimeValue> operands) {
  // No gradient flows through an op without float or transform results
  // (tensor.dim and the like).
  if (llvm::none_of(op->getResultTypes(), isDifferentiable))
    return;
  SmallVector<bool, 4> needs;
  bool any = isa<ParamOp>(op);
  for (Value v : op->getOperands()) {
    needs.push_back(requiresGrad.contains(v));
    any = any || needs.back();
  }
  if (auto call = dyn_cast<func::CallOp>(op); call && !any)
    if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            op, call.getCalleeAttr()))
      any = reachesParams(callee);
  if (!any)
    return;

  TapeEntry entry;
  entry.op = op;
  entry.requiresGrad = needs;
  SmallVector<bool, 4> keep = operandsReadByRule(op, needs);
  for (auto [i, value] : llvm::enumerate(operands)) {
    entry.operandShapes.emplace_back();
    const Tensor *t = value.getTensor();
    if (t)
      entry.operandShapes.back().assign(t->getShape().begin(),
                                        t->getShape().end());
    bool kept = !t || (i < keep.size() && keep[i]);
    entry.operands.push_back(kept ? value : RuntimeValue());
  }
  entries.push_back(std::move(entry));
  for (Value r : op->getResults())
    if (isDifferentiable(r.getType()))
      requiresGrad.insert(r);
}

void Tape::finish(func::ReturnOp ret, ArrayRef<RuntimeValue> results) {
  for (auto [v, value] : llvm::zip(ret.getOperands(), results)) {
    returned.push_back(v);
    returnedShapes.emplace_back();
    if (const Tensor *t = value.getTensor())
      returnedShapes.back().assign(t->getShape().begin(), t->getShape().end());
  }
  complete = true;
}

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

FailureOr<Gradients> Tape::backward(ArrayRef<Tensor> resultGradients,
                                    const KernelContext &ctx) {
  if (resultGradients.size() != returned.size())
    return mlir::emitError(func.getLoc())
           << "executor: backward got " << resultGradients.size()
           << " result gradients but '" << func.getSymName() << "' returns "
           << returned.size() << " values";
  for (auto [i, g] : llvm::enumerate(resultGradients))
    if (!g.isFloat() || g.getShape() != ArrayRef<int64_t>(returnedShapes[i]))
      return mlir::emitError(func.getLoc())
             << "executor: the gradient of result #" << i << " of '"
             << func.getSymName() << "' is a " << g.getShapeString()
             << (g.isFloat() ? " float" : " integer")
             << " tensor but the result is a float tensor "
             << formatShape(returnedShapes[i]);

  DenseMap<Value, Tensor> grads;
  // Adds `g` to the gradient of `v`.
  auto accumulate = [&](Value v, Tensor g, Operation *at) -> LogicalResult {
    auto [it, inserted] = grads.try_emplace(v);
    if (inserted) {
      it->second = std::move(g);
      return success();
    }
    if (it->second.getShape() != g.getShape())
      return emitOpError(at)
             << "produced a gradient of shape " << g.getShapeString()
             << " for a value whose "
             << "gradient has shape " << it->second.getShapeString();
    addInPlace(it->second, g, ctx.numThreads);
    return success();
  };
  // All-zero result gradients contribute nothing and are not propagated.
  for (auto [v, g] : llvm::zip(returned, resultGradients))
    if (requiresGrad.contains(v) &&
        llvm::any_of(g.getFloats(), [](float x) { return x != 0.0f; }))
      (void)accumulate(v, g, func); // Shapes were checked above.

  Gradients out;
  for (TapeEntry &entry : llvm::reverse(entries)) {
    Operation *op = entry.op;
    SmallVector<Tensor *, 2> resultGrads;
    bool reached = false;
    for (Value r : op->getResults()) {
      auto it = grads.find(r);
      resultGrads.push_back(it == grads.end() ? nullptr : &it->second);
      reached = reached || it != grads.end();
    }
    if (auto param = dyn_cast<ParamOp>(op)) {
      if (reached) {
        auto [it, inserted] =
            out.parameters.try_emplace(param.getName(), *resultGrads[0]);
        if (!inserted)
          addInPlace(it->second, *resultGrads[0], ctx.numThreads);
        grads.erase(param.getResult());
      }
      continue;
    }
    if (!reached) {
      entry.operands.clear();
      continue;
    }
    SmallVector<std::optional<Tensor>, 4> operandGrads;
    if (failed(runGradientRule(entry, resultGrads, operandGrads, ctx)))
      return failure();
    for (Value r : op->getResults())
      grads.erase(r);
    entry.operands.clear();
    for (auto [i, g] : llvm::enumerate(operandGrads))
      if (g && entry.requiresGrad[i] &&
          failed(accumulate(op->getOperand(i), std::move(*g), op)))
        return failure();
  }

  // Parameters the gradients did not reach get zeros.
  for (TapeEntry &entry : entries)
    if (auto param = dyn_cast<ParamOp>(entry.op))
      if (!out.parameters.contains(param.getName()))
        out.parameters[param.getName()] =
            Tensor(cast<TransformTypeInterface>(param.getResult().getType())
                       .getStorageShape());
  Block &body = func.getBody().front();
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    if (!isDifferentiable(arg.getType())) {
      out.arguments.push_back(std::nullopt);
      continue;
    }
    auto it = grads.find(arg);
    out.arguments.push_back(it != grads.end() ? std::move(it->second)
                                              : Tensor(argumentShapes[i]));
  }
  entries.clear();
  return out;
}
