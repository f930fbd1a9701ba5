//===- RaiseNorms.cpp - decomposed RMSNorm to ost.rms_norm ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// torch.onnx and HF exports spell RMSNorm out:
//   x * (1 / sqrt(mean(x^2, -1, keepdims) + eps)) * gamma
// with `1/sqrt` also as Reciprocal(Sqrt), Pow(., -0.5), or Div(x, Sqrt(.)),
// and x^2 as Pow(x, 2) or Mul(x, x). The core becomes an unweighted
// ost.rms_norm; a following multiplication by a vector over the last
// dimension becomes its weight.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

/// True if `v` is a constant with one element equal to `expected`.
bool isScalar(Value v, double expected) {
  std::optional<double> c = getScalarConstant(v);
  return c && *c == expected;
}

/// Matches `mean(x^2, last axis, keepdims) + eps` (the argument of the
/// square root) for the given x; sets `eps` or notes why not.
enum class Match { No, Yes, Failed };
Match matchVariancePlusEps(Value e, Value x, double &eps, std::string &why) {
  Value lhs, rhs;
  if (!matchAdd(skipPassThrough(e), lhs, rhs))
    return Match::No;
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  if (!xType || xType.getRank() == 0)
    return Match::No;
  for (int swap = 0; swap < 2; ++swap, std::swap(lhs, rhs)) {
    Operation *mean = getONNXDef(skipPassThrough(lhs), "ReduceMean");
    if (!mean)
      continue;
    Value sq = skipPassThrough(getONNXInput(mean, 0));
    Value a, b;
    bool isSquare = false;
    if (Operation *pow = getONNXDef(sq, "Pow"))
      isSquare = skipPassThrough(getONNXInput(pow, 0)) == x &&
                 isScalar(getONNXInput(pow, 1), 2.0);
    else if (matchMul(sq, a, b))
      isSquare = skipPassThrough(a) == x && skipPassThrough(b) == x;
    if (!isSquare)
      continue;
    std::optional<SmallVector<int64_t>> axes =
        getNormalizedAxes(mean, xType.getRank());
    if (!axes || axes->size() != 1 || axes->front() != xType.getRank() - 1 ||
        getIntAttr(mean, "keepdims", 1) != 1)
      continue;
    // The epsilon: one element that does not broadcast the variance up.
    std::optional<double> c = getScalarConstant(rhs);
    if (!c) {
      why = "RMSNorm pattern matched but epsilon is not a constant";
      return Match::Failed;
    }
    auto epsType = dyn_cast<RankedTensorType>(rhs.getType());
    if (!epsType || epsType.getRank() > xType.getRank()) {
      why = "RMSNorm pattern matched but epsilon broadcasts the variance";
      return Match::Failed;
    }
    if (!(*c > 0.0)) {
      why = "RMSNorm pattern matched but epsilon is not positive";
      return Match::Failed;
    }
    eps = *c;
    return Match::Yes;
  }
  return Match::No;
}

/// Matches `1/sqrt(e)` in its spellings; returns e.
Value matchInverseSqrt(Value r) {
  r = skipPassThrough(r);
  if (Operation *div = getONNXDef(r, "Div")) {
    if (!isScalar(getONNXInput(div, 0), 1.0))
      return {};
    if (Operation *sqrt =
            getONNXDef(skipPassThrough(getONNXInput(div, 1)), "Sqrt"))
      return getONNXInput(sqrt, 0);
    return {};
  }
  if (Operation *recip = getONNXDef(r, "Reciprocal")) {
    if (Operation *sqrt =
            getONNXDef(skipPassThrough(getONNXInput(recip, 0)), "Sqrt"))
      return getONNXInput(sqrt, 0);
    return {};
  }
  if (Operation *pow = getONNXDef(r, "Pow"))
    if (isScalar(getONNXInput(pow, 1), -0.5))
      return getONNXInput(pow, 0);
  return {};
}

/// Creates the norm of `x` replacing `op` (casting to its result type).
LogicalResult replaceWithNorm(PatternRewriter &rewriter, Operation *op, Value x,
                              Value weight, double eps) {
  auto norm = RMSNormOp::create(rewriter, op->getLoc(), x, weight, eps);
  if (failed(replaceWithCast(rewriter, op, norm)))
    return rewriter.notifyMatchFailure(op, "result type mismatch");
  return success();
}

// x * rsqrt(mean(x^2) + eps), in any of its spellings.
//   %p = onnx.Pow(%x, 2)  %m = onnx.ReduceMean(%p) {axes = [-1]}
//   %e = onnx.Add(%m, eps) %s = onnx.Sqrt(%e)  %r = onnx.Div(1, %s)
//   %y = onnx.Mul(%x, %r)
// ->
//   %y = ost.rms_norm %x {epsilon = eps}
struct RMSNormCore final : ONNXRewritePattern {
  RMSNormCore(StringRef root, ImportContext &ictx)
      : ONNXRewritePattern(root, ictx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value a = getONNXInput(op, 0), b = getONNXInput(op, 1);
    if (!a || !b || op->getNumResults() != 1)
      return failure();
    bool isDiv = isONNXOp(op, "Div");
    for (int swap = 0; swap < (isDiv ? 1 : 2); ++swap, std::swap(a, b)) {
      Value x = skipPassThrough(a);
      auto xType = dyn_cast<RankedTensorType>(x.getType());
      if (!xType || !isa<FloatType>(xType.getElementType()))
        continue;
      Value e;
      if (isDiv) {
        if (Operation *sqrt = getONNXDef(skipPassThrough(b), "Sqrt"))
          e = getONNXInput(sqrt, 0);
      } else {
        e = matchInverseSqrt(b);
      }
      if (!e)
        continue;
      double eps = 0;
      std::string why;
      Match m = matchVariancePlusEps(e, x, eps, why);
      if (m == Match::Failed) {
        ictx.noteFailure(op, why);
        return rewriter.notifyMatchFailure(op, why);
      }
      if (m == Match::No)
        continue;
      return replaceWithNorm(rewriter, op, x, Value(), eps);
    }
    return failure();
  }
};

// An unweighted norm times a vector over the last dimension.
//   %n = ost.rms_norm %x  %y = onnx.Mul(%n, %gamma)
// ->
//   %y = ost.rms_norm %x weight %gamma
struct AbsorbNormWeight final : CommutativeONNXPattern {
  AbsorbNormWeight(ImportContext &ictx) : CommutativeONNXPattern("Mul", ictx) {}

  LogicalResult matchOrdered(Operation *op, Value a, Value b,
                             PatternRewriter &rewriter) const override {
    auto norm = skipPassThrough(a).getDefiningOp<RMSNormOp>();
    if (!norm || norm.getWeight() || !norm->hasOneUse())
      return failure();
    RankedTensorType nType = norm.getType();
    auto gType = dyn_cast<RankedTensorType>(b.getType());
    int64_t n = nType.getShape().back();
    // A static match: otherwise Mul could broadcast a size-1 dimension.
    if (!gType || gType.getRank() > nType.getRank() || ShapedType::isDynamic(n))
      return failure();
    Value weight =
        asVector(rewriter, op->getLoc(), b, n, nType.getElementType());
    if (!weight)
      return failure();
    return replaceWithNorm(rewriter, op, norm.getInput(), weight,
                           norm.getEpsilon().convertToDouble());
  }
};

} // namespace

void mlir::ost::importer::populateNormPatterns(RewritePatternSet &patterns,
                                               ImportContext &ictx) {
  patterns.add<RMSNormCore>("Mul", ictx);
  patterns.add<RMSNormCore>("Div", ictx);
  patterns.add<AbsorbNormWeight>(ictx);
}
