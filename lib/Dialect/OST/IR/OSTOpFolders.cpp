//===- OSTOpFolders.cpp - OST folders and canonicalization patterns -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::ost;

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

// transpose(transpose(x, p1), p2) -> transpose(x, p1∘p2), or x when the
// composition is the identity; transpose(x, identity) -> x.
OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  auto isIdentity = [](ArrayRef<int64_t> p) {
    for (auto [i, v] : llvm::enumerate(p))
      if (static_cast<int64_t>(i) != v)
        return false;
    return true;
  };
  if (isIdentity(perm) && getInput().getType() == getType())
    return getInput();
  auto inner = getInput().getDefiningOp<TransposeOp>();
  if (!inner)
    return {};
  // result[i] = mid[perm[i]] = x[innerPerm[perm[i]]].
  ArrayRef<int64_t> innerPerm = inner.getPermutation();
  SmallVector<int64_t> composed;
  for (int64_t p : perm)
    composed.push_back(innerPerm[p]);
  if (isIdentity(composed) && inner.getInput().getType() == getType())
    return inner.getInput();
  setPermutation(composed);
  getInputMutable().assign(inner.getInput());
  return getResult();
}

// apply(apply(x, T), T, inverse) -> x, and the other way round.
OpFoldResult ApplyOp::fold(FoldAdaptor) {
  auto inner = getInput().getDefiningOp<ApplyOp>();
  if (inner && inner.getTransform() == getTransform() &&
      inner.getInverse() != getInverse())
    return inner.getInput();
  return {};
}

// transform_weight(transform_weight(W, T, side), T, side, inverse) -> W.
OpFoldResult TransformWeightOp::fold(FoldAdaptor) {
  auto inner = getWeight().getDefiningOp<TransformWeightOp>();
  if (inner && inner.getTransform() == getTransform() &&
      inner.getSide() == getSide() && inner.getInverse() != getInverse())
    return inner.getWeight();
  return {};
}

// online_hadamard(online_hadamard(x), transpose) -> x (𝓗ᵀ𝓗 = I).
OpFoldResult OnlineHadamardOp::fold(FoldAdaptor) {
  auto inner = getInput().getDefiningOp<OnlineHadamardOp>();
  if (inner && inner.getTranspose() != getTranspose())
    return inner.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Canonicalization patterns
//===----------------------------------------------------------------------===//

namespace {

// An applied fixed Hadamard is an online Hadamard; its matrix is T = 𝓗ᵀ, so
// x·T is 𝓗x per row and x·T⁻¹ is 𝓗ᵀx.
//   %h = ost.hadamard : !ost.hadamard<n>
//   %y = ost.apply %h to %x [inverse]
// ->
//   %y = ost.online_hadamard %x [transpose]
struct ApplyHadamardToOnline final : OpRewritePattern<ApplyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ApplyOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getTransform().getDefiningOp<HadamardOp>())
      return failure();
    rewriter.replaceOpWithNewOp<OnlineHadamardOp>(op, op.getInput(),
                                                  op.getInverse());
    return success();
  }
};

// A norm weight of all ones is the unit norm.
//   %one = arith.constant dense<1.0> : tensor<64xf32>
//   %y = ost.rms_norm %x weight %one
// ->
//   %y = ost.rms_norm %x
struct DropUnitNormWeight final : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    Value weight = op.getWeight();
    if (!weight || !matchPattern(weight, m_OneFloat()))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getWeightMutable().clear(); });
    return success();
  }
};

} // namespace

void ApplyOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<ApplyHadamardToOnline>(context);
}

void RMSNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<DropUnitNormWeight>(context);
}
