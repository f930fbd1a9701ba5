//===- BackwardHandlers.cpp - gradient rules of the ops -------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Maps each differentiable op onto its vector-Jacobian product in
// Gradients.h, and says which operand values a rule reads so that the tape
// keeps nothing else. Ops on the gradient path without a rule (quantized
// inference ops, func.call, ...) fail with a diagnostic naming them.
//
//===----------------------------------------------------------------------===//

#include "Tape.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Executor/Gradients.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

namespace {

/// The binary kind of an elementwise op, if it is one.
std::optional<BinaryOp> binaryKind(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<BinaryOp>>(op)
      .Case<mlir::ost::AddOp, arith::AddFOp>([](auto) { return BinaryOp::Add; })
      .Case([](arith::SubFOp) { return BinaryOp::Sub; })
      .Case<mlir::ost::MulOp, arith::MulFOp>([](auto) { return BinaryOp::Mul; })
      .Case([](arith::DivFOp) { return BinaryOp::Div; })
      .Default([](Operation *) { return std::nullopt; });
}

/// The unary kind of an elementwise op, if it is one.
std::optional<UnaryOp> unaryKind(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<UnaryOp>>(op)
      .Case([](SiLUOp) { return UnaryOp::SiLU; })
      .Case([](arith::NegFOp) { return UnaryOp::Neg; })
      .Case([](math::SqrtOp) { return UnaryOp::Sqrt; })
      .Case([](math::RsqrtOp) { return UnaryOp::Rsqrt; })
      .Case([](math::ExpOp) { return UnaryOp::Exp; })
      .Default([](Operation *) { return std::nullopt; });
}

/// True for ops whose gradient is the result gradient, reshaped to the
/// operand's shape.
bool isPassThrough(Operation *op) {
  return isa<arith::ExtFOp, arith::TruncFOp, tensor::CastOp,
             tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ReshapeOp>(
      op);
}

/// Unwraps a rule's result, emitting its error at the op.
template <typename T>
FailureOr<T> unwrapRule(Operation *op, llvm::Expected<T> result) {
  if (!result) {
    emitOpError(op) << "gradient: " << llvm::toString(result.takeError());
    return failure();
  }
  return std::move(*result);
}

/// The gradient rule of one recorded op.
class GradientRule {
public:
  GradientRule(const TapeEntry &entry, ArrayRef<Tensor *> resultGrads,
               SmallVectorImpl<std::optional<Tensor>> &operandGrads,
               const KernelContext &ctx)
      : entry(entry), op(entry.op), resultGrads(resultGrads),
        grads(operandGrads), ctx(ctx) {
    grads.assign(op->getNumOperands(), std::nullopt);
  }

  LogicalResult run();

private:
  const TapeEntry &entry;
  Operation *op;
  ArrayRef<Tensor *> resultGrads;
  SmallVectorImpl<std::optional<Tensor>> &grads;
  const KernelContext &ctx;

  /// Whether operand i needs a gradient.
  bool needs(unsigned i) const {
    return i < entry.requiresGrad.size() && entry.requiresGrad[i];
  }
  /// The kept tensor of operand i (null if not kept or absent).
  const Tensor *kept(unsigned i) const {
    return i < entry.operands.size() ? entry.operands[i].getTensor() : nullptr;
  }
  /// Fails because operand i, which the rule reads, was not recorded.
  LogicalResult missing(unsigned i) const {
    return emitOpError(op) << "gradient: operand #" << i << " was not recorded";
  }
  /// The kept tensor of operand i, which the rule needs.
  FailureOr<const Tensor *> required(unsigned i) const {
    if (const Tensor *t = kept(i))
      return t;
    return missing(i);
  }
  const Transform *transform(unsigned i) const {
    return entry.operands[i].getTransform();
  }
  /// Fails naming an operand the rule cannot differentiate.
  LogicalResult unsupportedOperand(StringRef what) {
    return emitOpError(op) << "cannot differentiate with respect to " << what;
  }
  /// Sets the gradient of operand i from a kernel result.
  LogicalResult set(unsigned i, KernelResult result) {
    FailureOr<Tensor> t = unwrapRule(op, std::move(result));
    if (failed(t))
      return failure();
    grads[i] = std::move(*t);
    return success();
  }

  LogicalResult runElementwise(const Tensor &dy);
  LogicalResult runOST(const Tensor &dy);
  LogicalResult runUpstream(const Tensor &dy);
  LogicalResult runApply(ApplyOp apply, const Tensor &dy);
  LogicalResult runTransformWeight(TransformWeightOp tw, const Tensor &dy);
  LogicalResult runAttention(AttentionOp attn, const Tensor &dy);
  LogicalResult runExtractSlice(tensor::ExtractSliceOp slice, const Tensor &dy);
};

LogicalResult GradientRule::run() {
  if (op->getNumResults() != 1 || !resultGrads[0] || isa<func::CallOp>(op)) {
    InFlightDiagnostic diag = emitOpError(op) << "has no gradient rule";
    if (isa<func::CallOp>(op))
      diag << " (gradients do not flow through function calls)";
    return diag;
  }
  const Tensor &dy = *resultGrads[0];
  if (unaryKind(op) || binaryKind(op))
    return runElementwise(dy);
  if (op->getDialect() && isa<OSTDialect>(op->getDialect()))
    return runOST(dy);
  return runUpstream(dy);
}

LogicalResult GradientRule::runElementwise(const Tensor &dy) {
  if (std::optional<UnaryOp> kind = unaryKind(op)) {
    FailureOr<const Tensor *> x = required(0);
    if (failed(x))
      return failure();
    return set(0, unaryBackward(*kind, dy, **x, ctx));
  }
  if (std::optional<BinaryOp> kind = binaryKind(op)) {
    FailureOr<BinaryGradients> g =
        unwrapRule(op, binaryBackward(*kind, dy, kept(0), kept(1), needs(0),
                                      needs(1), ctx));
    if (failed(g))
      return failure();
    grads[0] = std::move(g->lhs);
    grads[1] = std::move(g->rhs);
    return success();
  }
  return emitOpError(op) << "has no gradient rule";
}

LogicalResult GradientRule::runOST(const Tensor &dy) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](EmbeddingOp) -> LogicalResult {
        if (!needs(0))
          return success();
        FailureOr<const Tensor *> ids = required(1);
        if (failed(ids))
          return failure();
        return set(0, embeddingBackward(dy, **ids,
                                        entry.operandShapes[0].front(), ctx));
      })
      .Case([&](RMSNormOp norm) -> LogicalResult {
        FailureOr<const Tensor *> x = required(0);
        if (failed(x))
          return failure();
        const Tensor *weight = nullptr;
        if (norm.getWeight()) {
          FailureOr<const Tensor *> w = required(1);
          if (failed(w))
            return failure();
          weight = *w;
        }
        FailureOr<RMSNormGradients> g =
            unwrapRule(op, rmsNormBackward(dy, **x, weight,
                                           norm.getEpsilon().convertToDouble(),
                                           needs(1), ctx));
        if (failed(g))
          return failure();
        grads[0] = std::move(g->input);
        if (norm.getWeight())
          grads[1] = std::move(g->weight);
        return success();
      })
      .Case<LinearOp, LMHeadOp>([&](Operation *) -> LogicalResult {
        // Operands: input, weight and an optional bias.
        const Tensor *x = needs(1) ? kept(0) : nullptr;
        const Tensor *w = needs(0) ? kept(1) : nullptr;
        if ((needs(1) && !x) || (needs(0) && !w))
          return missing(needs(1) && !x ? 0 : 1);
        FailureOr<LinearGradients> g = unwrapRule(
            op, linearBackward(dy, x, w, op->getNumOperands() > 2 && needs(2),
                               ctx));
        if (failed(g))
          return failure();
        grads[0] = std::move(g->input);
        grads[1] = std::move(g->weight);
        if (op->getNumOperands() > 2)
          grads[2] = std::move(g->bias);
        return success();
      })
      .Case([&](RopeOp rope) -> LogicalResult {
        if (needs(1) || needs(2))
          return unsupportedOperand("the cos/sin tables");
        FailureOr<const Tensor *> cos = required(1), sin = required(2);
        if (failed(cos) || failed(sin))
          return failure();
        return set(0, ropeBackward(dy, **cos, **sin, rope.getLayout(), ctx));
      })
      .Case([&](AttentionOp attn) { return runAttention(attn, dy); })
      .Case([&](TransposeOp t) {
        return set(0, transposeBackward(dy, t.getPermutation(), ctx));
      })
      .Case([&](RepeatHeadsOp rh) {
        return set(0, repeatHeadsBackward(dy, *transform(0), rh.getHeadDim(),
                                          rh.getRepeats()));
      })
      .Case([&](ApplyOp apply) { return runApply(apply, dy); })
      .Case([&](TransformWeightOp tw) { return runTransformWeight(tw, dy); })
      .Case([&](OnlineHadamardOp h) {
        return set(0, onlineHadamardBackward(dy, h.getTranspose(), ctx));
      })
      .Case([&](FakeQuantOp fq) -> LogicalResult {
        FailureOr<const Tensor *> x = required(0);
        if (failed(x))
          return failure();
        QuantParams params = QuantParams::fromAttr(fq.getSpec());
        if (FloatAttr clip = fq.getClipSearchAttr())
          params.clipSearchNorm = clip.getValueAsDouble();
        return set(0, fakeQuantBackward(dy, **x, params, ctx));
      })
      .Default([&](Operation *) {
        return emitOpError(op) << "has no gradient rule";
      });
}

LogicalResult GradientRule::runAttention(AttentionOp attn, const Tensor &dy) {
  if (attn.getMask() && needs(3))
    return unsupportedOperand("the attention mask");
  FailureOr<const Tensor *> q = required(0), k = required(1), v = required(2);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  const Tensor *mask = nullptr;
  if (attn.getMask()) {
    FailureOr<const Tensor *> m = required(3);
    if (failed(m))
      return failure();
    mask = *m;
  }
  double scale = attn.getScale() ? attn.getScale()->convertToDouble()
                 : (*q)->getDimSize(3) > 0
                     ? 1.0 / std::sqrt(double((*q)->getDimSize(3)))
                     : 1.0;
  FailureOr<AttentionGradients> g =
      unwrapRule(op, attentionBackward(dy, **q, **k, **v, mask, scale,
                                       attn.getCausal(), ctx));
  if (failed(g))
    return failure();
  grads[0] = std::move(g->query);
  grads[1] = std::move(g->key);
  grads[2] = std::move(g->value);
  return success();
}

LogicalResult GradientRule::runApply(ApplyOp apply, const Tensor &dy) {
  // Operands: the transform, then the input.
  const Tensor *x = needs(0) ? kept(1) : nullptr;
  if (needs(0) && !x)
    return missing(1);
  FailureOr<TransformGradients> g =
      unwrapRule(op, applyTransformBackward(dy, x, *transform(0),
                                            apply.getInverse(), needs(1), ctx));
  if (failed(g))
    return failure();
  grads[0] = std::move(g->transform);
  grads[1] = std::move(g->input);
  return success();
}

LogicalResult GradientRule::runTransformWeight(TransformWeightOp tw,
                                               const Tensor &dy) {
  // Operands: the weight, then the transform.
  const Tensor *w = needs(1) ? kept(0) : nullptr;
  if (needs(1) && !w)
    return missing(0);
  FailureOr<TransformGradients> g =
      unwrapRule(op, transformWeightBackward(dy, w, *transform(1), tw.getSide(),
                                             tw.getInverse(), needs(0), ctx));
  if (failed(g))
    return failure();
  grads[0] = std::move(g->input);
  grads[1] = std::move(g->transform);
  return success();
}

LogicalResult GradientRule::runUpstream(const Tensor &dy) {
  if (isPassThrough(op)) {
    if (dy.getNumElements() !=
        ShapedType::getNumElements(entry.operandShapes[0]))
      return emitOpError(op)
             << "gradient: cannot reshape " << dy.getShapeString() << " into "
             << formatShape(entry.operandShapes[0]);
    // The result gradient is not needed after this rule: take it.
    Tensor g = std::move(*resultGrads[0]);
    (void)g.reshape(entry.operandShapes[0]);
    grads[0] = std::move(g);
    return success();
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
    return runExtractSlice(slice, dy);
  if (auto cat = dyn_cast<tensor::ConcatOp>(op)) {
    int64_t dim = cat.getDim();
    SmallVector<int64_t> sizes;
    for (ArrayRef<int64_t> shape : entry.operandShapes)
      sizes.push_back(dim < static_cast<int64_t>(shape.size()) ? shape[dim]
                                                               : 0);
    FailureOr<SmallVector<Tensor>> pieces =
        unwrapRule(op, concatBackward(dy, sizes, dim));
    if (failed(pieces))
      return failure();
    for (auto [i, piece] : llvm::enumerate(*pieces))
      if (needs(i))
        grads[i] = std::move(piece);
    return success();
  }
  return emitOpError(op) << "has no gradient rule";
}

LogicalResult GradientRule::runExtractSlice(tensor::ExtractSliceOp slice,
                                            const Tensor &dy) {
  OperandValues in(op, entry.operands);
  SmallVector<int64_t> offsets, sizes, strides;
  for (auto [mixed, out] : {std::pair{slice.getMixedOffsets(), &offsets},
                            {slice.getMixedSizes(), &sizes},
                            {slice.getMixedStrides(), &strides}}) {
    for (OpFoldResult ofr : mixed) {
      if (auto attr = dyn_cast<Attribute>(ofr)) {
        out->push_back(cast<IntegerAttr>(attr).getInt());
        continue;
      }
      FailureOr<int64_t> v = in.integer(cast<Value>(ofr));
      if (failed(v))
        return failure();
      out->push_back(*v);
    }
  }
  return set(0, extractSliceBackward(dy, entry.operandShapes[0], offsets, sizes,
                                     strides));
}

} // namespace

SmallVector<bool, 4>
mlir::ost::detail::operandsReadByRule(Operation *op,
                                      ArrayRef<bool> requiresGrad) {
  auto needs = [&](unsigned i) {
    return i < requiresGrad.size() && requiresGrad[i];
  };
  SmallVector<bool, 4> keep(op->getNumOperands(), false);
  if (unaryKind(op) || isa<FakeQuantOp>(op)) {
    keep[0] = true;
  } else if (std::optional<BinaryOp> kind = binaryKind(op)) {
    // Mul: each gradient reads the other operand; Div: da reads b, db both.
    if (*kind == BinaryOp::Mul) {
      keep[0] = needs(1);
      keep[1] = needs(0);
    } else if (*kind == BinaryOp::Div) {
      keep[0] = needs(1);
      keep[1] = needs(0) || needs(1);
    }
  } else if (isa<EmbeddingOp>(op)) {
    keep[1] = true;
  } else if (isa<RMSNormOp, RopeOp, AttentionOp>(op)) {
    keep.assign(op->getNumOperands(), true);
  } else if (isa<LinearOp, LMHeadOp>(op)) {
    keep[0] = needs(1);
    keep[1] = needs(0);
  } else if (isa<ApplyOp>(op)) {
    keep[1] = needs(0);
  } else if (isa<TransformWeightOp>(op)) {
    keep[0] = needs(1);
  }
  return keep;
}

LogicalResult mlir::ost::detail::runGradientRule(
    const TapeEntry &entry, ArrayRef<Tensor *> resultGrads,
    SmallVectorImpl<std::optional<Tensor>> &operandGrads,
    const KernelContext &ctx) {
  return GradientRule(entry, resultGrads, operandGrads, ctx).run();
}
