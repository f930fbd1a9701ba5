//===- FoldNormWeights.cpp - fold RMSNorm weights into linears ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-fold-norm-weights (METHOD.md §2.1): γ of every foldable
// ost.rms_norm moves into the input columns of the linear layers it feeds,
// in float64, leaving a unit norm.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"

#include "ost/Dialect/OST/Transforms/WeightConstants.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTFOLDNORMWEIGHTSPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

/// The weight operand of a linear-like consumer of `norm`, or null when
/// `user` is not a linear reading the norm as its activation.
OpOperand *getFoldableWeight(Operation *user, Value norm) {
  if (auto linear = dyn_cast<LinearOp>(user))
    return linear.getInput() == norm && linear.getWeight() != norm
               ? &linear.getWeightMutable()
               : nullptr;
  if (auto head = dyn_cast<LMHeadOp>(user))
    return head.getInput() == norm && head.getWeight() != norm
               ? &head.getWeightMutable()
               : nullptr;
  return nullptr;
}

/// Folds `norm`'s weight into its consumers, or warns and leaves it.
void foldNorm(RMSNormOp norm, unsigned &counter,
              SmallVectorImpl<Value> &replaced) {
  Value gammaValue = norm.getWeight();
  if (!gammaValue)
    return;
  FailureOr<std::vector<float>> gamma = getF32Constant(gammaValue);
  if (failed(gamma)) {
    norm.emitWarning("norm weight is not an f32 constant; not folded");
    return;
  }
  // Every consumer must be a linear layer with a constant f32 weight.
  SmallVector<std::pair<OpOperand *, std::vector<float>>> weights;
  for (Operation *user : norm.getResult().getUsers()) {
    OpOperand *weight = getFoldableWeight(user, norm.getResult());
    if (!weight) {
      InFlightDiagnostic diag =
          norm.emitWarning("norm not folded: its result is used by '")
          << user->getName() << "' other than as a linear layer's input";
      diag.attachNote(user->getLoc()) << "consumer here";
      return;
    }
    FailureOr<std::vector<float>> w = getF32Constant(weight->get());
    if (failed(w)) {
      InFlightDiagnostic diag = norm.emitWarning(
          "norm not folded: a consuming weight is not an f32 constant");
      diag.attachNote(user->getLoc()) << "consumer here";
      return;
    }
    weights.emplace_back(weight, std::move(*w));
  }
  for (auto &[operand, w] : weights) {
    auto type = cast<RankedTensorType>(operand->get().getType());
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        float &v = w[r * cols + c];
        v = static_cast<float>(static_cast<double>(v) *
                               static_cast<double>((*gamma)[c]));
      }
    Operation *user = operand->getOwner();
    OpBuilder builder(user);
    Value folded = createF32Constant(builder, user->getLoc(), type, w,
                                     "norm_folded_" + std::to_string(counter++));
    replaced.push_back(operand->get());
    operand->set(folded);
  }
  replaced.push_back(gammaValue);
  norm.getWeightMutable().clear();
}

class OSTFoldNormWeightsPass final
    : public impl::OSTFoldNormWeightsPassBase<OSTFoldNormWeightsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    unsigned counter = 0;
    SmallVector<RMSNormOp> norms;
    getOperation().walk([&](RMSNormOp norm) { norms.push_back(norm); });
    SmallVector<Value> replaced;
    for (RMSNormOp norm : norms)
      foldNorm(norm, counter, replaced);
    // Original weights and γ that nothing reads any more.
    llvm::SmallPtrSet<Operation *, 16> erased;
    for (Value v : replaced) {
      Operation *def = v.getDefiningOp();
      if (!def || erased.contains(def) || !def->use_empty())
        continue;
      erased.insert(def);
      def->erase();
    }
  }
};

} // namespace
} // namespace mlir::ost
