//===- FoldTransforms.cpp - fold transform pairs into the weights ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-fold-transforms: every transform is evaluated in float64
// from its parameter's value, each transform_weight chain becomes one
// constant (rounded once), activation-side applies fold into the embedding
// table or the norm weight, and only the online Hadamards stay.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"

#include "TransformMath.h"
#include "ost/Dialect/OST/Transforms/WeightConstants.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTFOLDTRANSFORMSPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

class Folder {
public:
  explicit Folder(ModuleOp module) : module(module) {}

  LogicalResult run();

private:
  FailureOr<const DenseTransform *> evaluate(Value transform, Operation *user);
  LogicalResult foldChain(TransformWeightOp last);
  LogicalResult foldApply(ApplyOp apply);
  Value newConstant(Operation *before, RankedTensorType type,
                    ArrayRef<double> values);

  ModuleOp module;
  llvm::DenseMap<Value, DenseTransform> transforms;
  /// Constants replaced by folded copies (erased once nothing reads them).
  SmallVector<Value> replaced;
  unsigned counter = 0;
};

FailureOr<const DenseTransform *> Folder::evaluate(Value transform,
                                                   Operation *user) {
  auto it = transforms.find(transform);
  if (it != transforms.end())
    return &it->second;
  Operation *def = transform.getDefiningOp();
  auto fail = [&](const Twine &why) {
    InFlightDiagnostic diag = user->emitError()
                              << "cannot fold this transform: " << why;
    return diag;
  };
  llvm::Expected<DenseTransform> t = DenseTransform();
  if (auto param = dyn_cast_or_null<ParamOp>(def)) {
    if (!param.getValue())
      return fail("parameter '" + param.getName() +
                  "' has no value; run ost-init-transforms or load a "
                  "calibrated checkpoint first");
    FailureOr<std::vector<float>> v = getF32Elements(*param.getValue());
    if (failed(v))
      return fail("parameter '" + param.getName() +
                  "' has no readable f32 value (a missing dense_resource "
                  "blob?)");
    t = makeDenseTransform(transform.getType(),
                           std::vector<double>(v->begin(), v->end()));
  } else if (auto repeat = dyn_cast_or_null<RepeatHeadsOp>(def)) {
    FailureOr<const DenseTransform *> inner =
        evaluate(repeat.getTransform(), user);
    if (failed(inner))
      return failure();
    t = repeatHeads(**inner, repeat.getHeadDim(), repeat.getRepeats());
  } else if (isa_and_nonnull<HadamardOp>(def)) {
    t = makeDenseTransform(transform.getType(), {});
  } else {
    return fail("its transform is not an ost.param, ost.repeat_heads or "
                "ost.hadamard");
  }
  if (!t)
    return fail(llvm::toString(t.takeError()));
  return &transforms.try_emplace(transform, std::move(*t)).first->second;
}

Value Folder::newConstant(Operation *before, RankedTensorType type,
                          ArrayRef<double> values) {
  OpBuilder b(before);
  auto f32 = RankedTensorType::get(type.getShape(), b.getF32Type());
  return createF32Constant(b, before->getLoc(), f32, toF32(values),
                           "transform_folded_" + std::to_string(counter++));
}

/// Folds the chain of transform_weight ops ending at `last` into a constant.
LogicalResult Folder::foldChain(TransformWeightOp last) {
  SmallVector<TransformWeightOp> chain{last};
  while (auto inner = chain.back().getWeight().getDefiningOp<TransformWeightOp>())
    chain.push_back(inner);
  std::reverse(chain.begin(), chain.end());
  Value base = chain.front().getWeight();
  FailureOr<std::vector<float>> w32 = getF32Constant(base);
  if (failed(w32))
    return last.emitError() << "cannot fold this transform: the weight is not "
                               "an f32 constant";
  auto type = cast<RankedTensorType>(base.getType());
  int64_t n = type.getDimSize(0), k = type.getRank() == 2 ? type.getDimSize(1) : 1;
  std::vector<double> w(w32->begin(), w32->end());
  for (TransformWeightOp tw : chain) {
    FailureOr<const DenseTransform *> t = evaluate(tw.getTransform(), tw);
    if (failed(t))
      return failure();
    if (llvm::Error e =
            transformWeight(w, n, k, **t, tw.getSide(), tw.getInverse()))
      return tw.emitError() << "cannot fold this transform: "
                            << llvm::toString(std::move(e));
  }
  last.getResult().replaceAllUsesWith(newConstant(chain.front(), type, w));
  replaced.push_back(base);
  for (TransformWeightOp tw : llvm::reverse(chain))
    if (tw->use_empty())
      tw.erase();
  return success();
}

LogicalResult Folder::foldApply(ApplyOp apply) {
  Value t = apply.getTransform();
  bool inverse = apply.getInverse();
  if (isa<HadamardType>(t.getType())) {
    OpBuilder b(apply);
    Value online = OnlineHadamardOp::create(
        b, apply.getLoc(), apply.getInput(),
        inverse ? b.getUnitAttr() : UnitAttr());
    apply.getResult().replaceAllUsesWith(online);
    apply.erase();
    return success();
  }
  FailureOr<const DenseTransform *> dense = evaluate(t, apply);
  if (failed(dense))
    return failure();
  Operation *producer = apply.getInput().getDefiningOp();
  OpBuilder b(apply);
  if (auto embedding = dyn_cast_or_null<EmbeddingOp>(producer)) {
    // Rows of the table are the activations: E' = E·T.
    FailureOr<std::vector<float>> table = getF32Constant(embedding.getTable());
    if (failed(table))
      return apply.emitError()
             << "cannot fold this transform into the embedding: its table is "
                "not an f32 constant";
    auto type = cast<RankedTensorType>(embedding.getTable().getType());
    std::vector<double> e(table->begin(), table->end());
    if (llvm::Error err = applyToRows(e, type.getDimSize(0), **dense, inverse))
      return apply.emitError() << "cannot fold this transform: "
                               << llvm::toString(std::move(err));
    Value newTable = newConstant(embedding, type, e);
    replaced.push_back(embedding.getTable());
    b.setInsertionPoint(apply);
    auto folded = EmbeddingOp::create(b, embedding.getLoc(),
                                      embedding.getResult().getType(),
                                      newTable, embedding.getIds());
    apply.getResult().replaceAllUsesWith(folded.getResult());
    apply.erase();
    if (embedding->use_empty())
      embedding.erase();
    return success();
  }
  auto norm = dyn_cast_or_null<RMSNormOp>(producer);
  if (norm && (*dense)->kind == DenseTransform::Kind::Scale) {
    // RMSNorm(x)⊙γ·diag(s) = RMSNorm(x)⊙(γ⊙s).
    int64_t d = (*dense)->dim;
    std::vector<double> gamma(d, 1.0);
    if (Value w = norm.getWeight()) {
      FailureOr<std::vector<float>> g = getF32Constant(w);
      if (failed(g))
        return apply.emitError() << "cannot fold this scale into the norm: "
                                    "its weight is not an f32 constant";
      gamma.assign(g->begin(), g->end());
    }
    if (llvm::Error err = applyToRows(gamma, 1, **dense, inverse))
      return apply.emitError() << "cannot fold this transform: "
                               << llvm::toString(std::move(err));
    auto type = RankedTensorType::get({d}, b.getF32Type());
    Value weight = newConstant(norm, type, gamma);
    if (norm.getWeight())
      replaced.push_back(norm.getWeight());
    b.setInsertionPoint(apply);
    auto folded = RMSNormOp::create(b, norm.getLoc(), norm.getResult().getType(),
                                    norm.getInput(), weight,
                                    norm.getEpsilonAttr());
    apply.getResult().replaceAllUsesWith(folded.getResult());
    apply.erase();
    if (norm->use_empty())
      norm.erase();
    return success();
  }
  InFlightDiagnostic diag =
      apply.emitError()
      << "cannot fold this ost.apply of " << t.getType()
      << ": only applies on an embedding's output, scales on an RMSNorm's "
         "output and Hadamards (which stay online) can be folded";
  if (producer)
    diag.attachNote(producer->getLoc()) << "its input comes from here";
  return diag;
}

LogicalResult Folder::run() {
  // Chains first (the last op of each), then applies.
  SmallVector<TransformWeightOp> lasts;
  module.walk([&](TransformWeightOp tw) {
    bool feedsChain = llvm::any_of(tw->getUsers(), [&](Operation *u) {
      auto next = dyn_cast<TransformWeightOp>(u);
      return next && next.getWeight() == tw.getResult();
    });
    if (!feedsChain)
      lasts.push_back(tw);
  });
  for (TransformWeightOp tw : lasts)
    if (failed(foldChain(tw)))
      return failure();
  SmallVector<ApplyOp> applies;
  module.walk([&](ApplyOp a) { applies.push_back(a); });
  for (ApplyOp a : applies)
    if (failed(foldApply(a)))
      return failure();
  llvm::SmallPtrSet<Operation *, 16> erased;
  for (Value v : replaced) {
    Operation *def = v.getDefiningOp();
    if (def && isa<arith::ConstantOp>(def) && def->use_empty() &&
        erased.insert(def).second)
      def->erase();
  }
  // Transforms nothing uses any more (repeat_heads before their params).
  bool changed = true;
  while (changed) {
    changed = false;
    SmallVector<Operation *> dead;
    module.walk([&](Operation *op) {
      if (isa<ParamOp, RepeatHeadsOp, HadamardOp>(op) && op->use_empty())
        dead.push_back(op);
    });
    for (Operation *op : dead)
      op->erase();
    changed = !dead.empty();
  }
  ParamOp left;
  module.walk([&](ParamOp p) {
    left = p;
    return WalkResult::interrupt();
  });
  if (left) {
    InFlightDiagnostic diag = left.emitError()
                              << "transform parameter '" << left.getName()
                              << "' is still used after folding";
    diag.attachNote((*left->user_begin())->getLoc()) << "used here";
    return diag;
  }
  return success();
}

class OSTFoldTransformsPass final
    : public impl::OSTFoldTransformsPassBase<OSTFoldTransformsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (failed(Folder(getOperation()).run()))
      signalPassFailure();
  }
};

} // namespace
} // namespace mlir::ost
