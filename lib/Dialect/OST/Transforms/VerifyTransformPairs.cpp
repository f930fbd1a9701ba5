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

/// How a parameter is used: applied to activations, folded into weights.
struct ParamUses {
  bool applied = false;
  bool folded = false;
};

ParamUses classifyUses(ParamOp param) {
  ParamUses uses;
  for (Operation *user : param.getResult().getUsers()) {
    if (isa<ApplyOp>(user))
      uses.applied = true;
    else if (isa<TransformWeightOp>(user))
      uses.folded = true;
  }
  return uses;
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
      ParamUses uses = classifyUses(param);
      if (uses.applied && !uses.folded) {
        param.emitError() << "transform parameter '" << param.getName()
                          << "' is applied to activations but never folded "
                             "into a weight; the pair is not equivalent";
        failed = true;
      } else if (uses.folded && !uses.applied) {
        param.emitError() << "transform parameter '" << param.getName()
                          << "' is folded into weights but never applied to "
                             "an activation; the pair is not equivalent";
        failed = true;
      } else if (!uses.applied && !uses.folded) {
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
