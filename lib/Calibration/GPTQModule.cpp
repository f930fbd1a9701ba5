//===- GPTQModule.cpp - GPTQ over the linears of a module -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Layer-sequential GPTQ (METHOD.md §5.7). The model runs on a copy of the
// module without fake quantizers; an executor observer feeds the input of one
// linear per group into a HessianAccumulator. After a group is quantized its
// linears in the copy become the same ost.qlinear the module will get, so the
// next group is measured on the partly quantized model. The module itself is
// rewritten at the end, with activation quantizers folded into act_spec.
//
//===----------------------------------------------------------------------===//

#include "GPTQModule.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/Transforms/WeightQuantization.h"
#include "ost/Executor/Executor.h"
#include "ost/Support/Interrupt.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <thread>

using namespace mlir;
using namespace mlir::ost;
namespace quant = ::ost::quant;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Linears reading one activation: they share one Hessian.
struct LinearGroup {
  /// Indices into the list of quantized linears, in IR order.
  SmallVector<size_t> members;
};

/// "layer 0: q_proj, k_proj, v_proj" (roles, or "linear" without one).
std::string describeGroup(MutableArrayRef<LinearOp> linears,
                          const LinearGroup &g) {
  SmallVector<std::string> names;
  for (size_t i : g.members) {
    std::optional<LinearRole> role = linears[i].getRole();
    names.push_back(role ? stringifyLinearRole(*role).str() : "linear");
  }
  std::string text;
  if (IntegerAttr layer = linears[g.members.front()].getLayerAttr())
    text = "layer " + std::to_string(layer.getInt()) + ": ";
  return text + llvm::join(names, ", ");
}

/// Replaces every ost.fake_quant of `module` by its input.
void removeFakeQuantizers(ModuleOp module) {
  SmallVector<FakeQuantOp> quantizers;
  module.walk([&](FakeQuantOp op) { quantizers.push_back(op); });
  for (FakeQuantOp op : quantizers) {
    op.getResult().replaceAllUsesWith(op.getInput());
    op.erase();
  }
}

/// True if `value` is computed in the single block of `func`, so that a
/// truncated copy of `func` can return it (buildProbe).
bool canProbe(func::FuncOp func, Value value) {
  return func.getBody().hasOneBlock() &&
         value.getParentBlock() == &func.getBody().front();
}

/// A copy of `func` (inserted in its module under a fresh name) whose only
/// result is `value`, without the ops `value` does not depend on: running it
/// computes a linear's input without the rest of the model.
func::FuncOp buildProbe(func::FuncOp func, Value value) {
  IRMapping mapping;
  auto probe = cast<func::FuncOp>(func->clone(mapping));
  probe.setSymName("__ost_gptq_probe");
  Block &body = probe.getBody().front();
  Operation *terminator = body.getTerminator();
  Value probed = mapping.lookupOrDefault(value);
  OpBuilder b(terminator);
  func::ReturnOp::create(b, terminator->getLoc(), probed);
  terminator->erase();
  probe.setFunctionType(FunctionType::get(
      func.getContext(), probe.getArgumentTypes(), {probed.getType()}));
  probe.removeResAttrsAttr();
  // Last ops first, so each op's users are gone when it is visited.
  for (Operation *op = body.getTerminator()->getPrevNode(); op;) {
    Operation *previous = op->getPrevNode();
    if (isOpTriviallyDead(op))
      op->erase();
    op = previous;
  }
  SymbolTable(func->getParentOp()).insert(probe);
  return probe;
}

/// The [N, K] shape of a linear's weight.
std::pair<int64_t, int64_t> getWeightShape(LinearOp linear) {
  auto type = cast<RankedTensorType>(linear.getWeight().getType());
  return {type.getDimSize(0), type.getDimSize(1)};
}

} // namespace

FailureOr<ModuleGPTQReport>
mlir::ost::quantizeModuleWithGPTQ(ModuleOp module, StringRef function,
                                  const std::vector<TokenBlock> &blocks,
                                  const ModuleGPTQOptions &options) {
  Clock::time_point start = Clock::now();
  ModuleGPTQReport report;
  if (blocks.empty() || blocks.front().empty())
    return emitError(module.getLoc()) << "gptq: no calibration blocks";
  int64_t seqLen = static_cast<int64_t>(blocks.front().size());
  if (llvm::any_of(blocks, [&](const TokenBlock &b) {
        return static_cast<int64_t>(b.size()) != seqLen;
      }))
    return emitError(module.getLoc())
           << "gptq: the calibration blocks must all have the same length";
  if (options.batchSize <= 0)
    return emitError(module.getLoc())
           << "gptq: the batch size must be positive, got "
           << options.batchSize;
  auto func = module.lookupSymbol<func::FuncOp>(function);
  if (!func || func.isExternal())
    return emitError(module.getLoc())
           << "gptq: the module has no function @" << function << " to run";

  FailureOr<SmallVector<LinearOp>> linears =
      collectQuantizableLinears(module, "run GPTQ around");
  if (failed(linears))
    return failure();
  if (linears->empty()) {
    emitWarning(module.getLoc()) << "gptq: the module has no linear to "
                                    "quantize";
    return report;
  }
  unsigned threads = options.numThreads;
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  quant::WeightQuantOptions weightOptions = options.weight;
  weightOptions.numThreads = threads;
  // Check every weight before the first forward.
  std::vector<std::vector<float>> weights;
  for (LinearOp linear : *linears) {
    FailureOr<std::vector<float>> w = getConstantWeight(linear);
    if (failed(w))
      return failure();
    auto [n, k] = getWeightShape(linear);
    if (llvm::Error e = quant::checkWeightQuantOptions(n, k, weightOptions))
      return linear.emitError() << "cannot quantize the weight of this "
                                   "linear: "
                                << llvm::toString(std::move(e));
    weights.push_back(std::move(*w));
  }

  // The copy that is run: no activation quantizers, earlier groups
  // quantized.
  IRMapping mapping;
  OwningOpRef<ModuleOp> copy(cast<ModuleOp>(module->clone(mapping)));
  SmallVector<LinearOp> copies;
  for (LinearOp linear : *linears)
    copies.push_back(cast<LinearOp>(mapping.lookup(linear.getOperation())));
  removeFakeQuantizers(*copy);
  SmallVector<LinearGroup> groups;
  llvm::DenseMap<Value, size_t> groupOf;
  for (auto [i, linear] : llvm::enumerate(copies)) {
    auto [it, inserted] = groupOf.try_emplace(linear.getInput(), groups.size());
    if (inserted)
      groups.emplace_back();
    groups[it->second].members.push_back(i);
  }

  ExecutorOptions executorOptions;
  executorOptions.numThreads = threads;
  Executor executor(*copy, executorOptions);
  Operation *watched = nullptr;
  quant::HessianAccumulator *hessian = nullptr;
  bool badInput = false;
  auto addInput = [&](const Tensor *x) {
    if (!x || !x->isFloat() || x->getRank() == 0 ||
        x->getDimSize(-1) != hessian->getCols()) {
      badInput = true;
      return;
    }
    hessian->add(x->getFloatData(), x->getNumRows());
  };
  // Inputs that a truncated function cannot return (inside a called
  // function) are read by the observer during a full forward.
  executor.setObserver([&](Operation *op, ArrayRef<const Tensor *> operands) {
    if (op == watched && hessian)
      addInput(operands.empty() ? nullptr : operands.front());
  });
  auto copyFunc = copy->lookupSymbol<func::FuncOp>(function);

  std::vector<quant::QuantizedWeight> results(linears->size());
  int64_t numBlocks = static_cast<int64_t>(blocks.size());
  // GPTQ quantizes a copy and changes the module only at the end, so an
  // interrupt between two forwards leaves it as it was.
  InterruptScope interrupts("gptq", "after this forward");
  auto interrupted = [&](size_t done) {
    return emitError(module.getLoc())
           << "gptq interrupted (" << interrupts.signalName() << ") after "
           << done << " of " << groups.size()
           << " layer groups; the module is unchanged and nothing was "
              "written";
  };
  for (auto [index, group] : llvm::enumerate(groups)) {
    Clock::time_point groupStart = Clock::now();
    LinearOp primary = copies[group.members.front()];
    quant::HessianAccumulator accumulator(getWeightShape(primary).second,
                                          threads);
    hessian = &accumulator;
    func::FuncOp probe;
    if (canProbe(copyFunc, primary.getInput()))
      probe = buildProbe(copyFunc, primary.getInput());
    else
      watched = primary.getOperation();
    for (int64_t first = 0; first < numBlocks; first += options.batchSize) {
      if (interrupts.signal())
        return interrupted(index);
      int64_t batch = std::min(options.batchSize, numBlocks - first);
      Tensor tokens({batch, seqLen}, DType::I64);
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t t = 0; t < seqLen; ++t)
          tokens.setInt(b * seqLen + t, blocks[first + b][t]);
      Clock::time_point runStart = Clock::now();
      FailureOr<SmallVector<Tensor>> outputs = executor.run(
          probe ? probe.getSymName() : StringRef(function), {tokens});
      if (failed(outputs))
        return (*linears)[group.members.front()].emitError()
               << "gptq: running @" << function
               << " failed while measuring the input of this linear";
      if (probe)
        addInput(outputs->empty() ? nullptr : &outputs->front());
      report.forwardSeconds += secondsSince(runStart);
      ++report.forwards;
    }
    hessian = nullptr;
    watched = nullptr;
    if (probe)
      probe.erase();
    if (interrupts.signal())
      return interrupted(index);
    if (badInput || accumulator.getCount() == 0)
      return (*linears)[group.members.front()].emitError()
             << "gptq: the input of this linear was "
             << (badInput ? "not a float tensor of its input features"
                          : "never computed")
             << " while running @" << function;
    for (size_t i : group.members) {
      auto [n, k] = getWeightShape(copies[i]);
      llvm::Expected<quant::QuantizedWeight> q =
          quant::quantizeGPTQ(weights[i].data(), n, k, accumulator.getHessian(),
                              weightOptions, options.gptq);
      if (!q)
        return (*linears)[i].emitError() << "gptq failed for this linear: "
                                         << llvm::toString(q.takeError());
      if (failed(replaceWithQLinear(copies[i], *q, weightOptions,
                                    /*foldActivationQuantizer=*/false,
                                    /*blobPrefix=*/"gptq_scratch.")))
        return failure();
      results[i] = std::move(*q);
    }
    // The copy changed: values cached from its constants are stale.
    executor.clearCache();
    if (options.progress)
      llvm::errs() << llvm::format("gptq: group %zu/%zu (", index + 1,
                                   groups.size())
                   << describeGroup(*linears, group)
                   << llvm::format(
                          "): %lld rows, %.2f s\n",
                          static_cast<long long>(accumulator.getCount()),
                          secondsSince(groupStart));
  }

  for (auto [linear, q] : llvm::zip_equal(*linears, results))
    if (failed(replaceWithQLinear(linear, q, weightOptions,
                                  /*foldActivationQuantizer=*/true)))
      return failure();
  report.linears = static_cast<int64_t>(linears->size());
  report.groups = static_cast<int64_t>(groups.size());
  report.seconds = secondsSince(start);
  return report;
}
