//===- VerifyTransformPairs.cpp - check transform/inverse pairing ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-verify-transform-pairs: every learnable transform that is
// applied to an activation must also be folded (inverted) into a weight, and
// parameter names must be unique, or the float network changes.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "llvm/ADT/StringMap.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTVERIFYTRANSFORMPAIRSPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

/// The effects a parameter's uses have on the activations they touch.
/// `forward`: some activation is multiplied by T (ost.apply; a producing
/// weight folded with side = output). `inverse`: some activation is
/// multiplied by T⁻¹ (ost.apply inverse; side = output inverse; and a
/// consuming weight folded with side = input, which undoes T on its input).
/// `inverse` on an op flips its effect.
struct ParamEffects {
  bool forward = false;
  bool inverse = false;
};

void addEffect(ParamEffects &effects, bool isForward) {
  (isForward ? effects.forward : effects.inverse) = true;
}

/// Follows the parameter through ost.repeat_heads (a derived view of the
/// same parameter) with an explicit worklist.
ParamEffects classifyUses(ParamOp param) {
  ParamEffects effects;
  SmallVector<Value> worklist{param.getResult()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (auto apply = dyn_cast<ApplyOp>(user))
        addEffect(effects, !apply.getInverse());
      else if (auto fold = dyn_cast<TransformWeightOp>(user))
        addEffect(effects, (fold.getSide() == WeightSide::Output) !=
                               fold.getInverse());
      else if (auto repeat = dyn_cast<RepeatHeadsOp>(user))
        worklist.push_back(repeat.getResult());
    }
  }
  return effects;
}

class OSTVerifyTransformPairsPass final
    : public impl::OSTVerifyTransformPairsPassBase<
          OSTVerifyTransformPairsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    llvm::StringMap<ParamOp> byName;
    bool failed = false;
    getOperation().walk([&](ParamOp param) {
      auto [it, inserted] = byName.try_emplace(param.getName(), param);
      if (!inserted) {
        param.emitError() << "transform parameter '" << param.getName()
                          << "' is defined more than once"
                          << "; names key checkpoints and must be unique";
        it->second.emitRemark("first definition is here");
        failed = true;
        return;
      }
      ParamEffects effects = classifyUses(param);
      if (effects.forward && !effects.inverse) {
        param.emitError() << "transform parameter '" << param.getName()
                          << "' is applied but never undone (no use applies "
                             "its inverse); the pair is not equivalent";
        failed = true;
      } else if (effects.inverse && !effects.forward) {
        param.emitError() << "transform parameter '" << param.getName()
                          << "' is only ever undone (no use applies it); the "
                             "pair is not equivalent";
        failed = true;
      } else if (!effects.forward && !effects.inverse) {
        param.emitWarning() << "transform parameter '" << param.getName()
                            << "' is unused";
      }
      if (requireValues && !param.getValue()) {
        param.emitError() << "transform parameter '" << param.getName()
                          << "' has no value; run ost-init-transforms (or "
                             "calibrate) first";
        failed = true;
      }
    });
    if (failed)
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
} // namespace mlir::ost
