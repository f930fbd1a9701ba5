//===- RaiseElementwise.cpp - SiLU and same-shape elementwise math --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// x * Sigmoid(x) is ost.silu. Elementwise ops whose operands provably have
// the same shape (equal types and equal symbolic shapes: no broadcasting)
// become ost.add / ost.mul, or arith/math ops on tensors for the rest
// (Sub, Div, Neg, Sqrt, Exp). Broadcasting ops stay and are reported.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

/// A ranked float tensor type, or null.
RankedTensorType floatTensor(Value v) {
  auto type = v ? dyn_cast<RankedTensorType>(v.getType()) : nullptr;
  return type && isa<FloatType>(type.getElementType()) ? type : nullptr;
}

// SiLU, in either operand order.
//   %s = onnx.Sigmoid(%x)   %y = onnx.Mul(%x, %s)
// ->
//   %y = ost.silu %x
struct MulSigmoidToSiLU final : CommutativeONNXPattern {
  MulSigmoidToSiLU(ImportContext &ictx)
      : CommutativeONNXPattern("Mul", ictx, /*benefit=*/2) {}

  LogicalResult matchOrdered(Operation *op, Value a, Value b,
                             PatternRewriter &rewriter) const override {
    Operation *sigmoid = getONNXDef(skipPassThrough(b), "Sigmoid");
    Value x = skipPassThrough(a);
    if (!sigmoid || skipPassThrough(getONNXInput(sigmoid, 0)) != x ||
        !floatTensor(x))
      return failure();
    Value silu = SiLUOp::create(rewriter, op->getLoc(), x);
    return replaceWithCast(rewriter, op, silu);
  }
};

/// True if all operands of `op` have the same float tensor type and the
/// same symbolic shape, equal to the result's.
bool sameShapeOperands(ImportContext &ictx, Operation *op) {
  if (op->getNumResults() != 1 || op->getNumOperands() == 0 ||
      op->hasAttr(kInputMapAttr))
    return false;
  RankedTensorType type = floatTensor(op->getOperand(0));
  if (!type || op->getResult(0).getType() != type)
    return false;
  std::optional<SymShape> shape = ictx.getShape(op->getOperand(0));
  if (!shape)
    return false;
  for (Value v : op->getOperands())
    if (v.getType() != type || ictx.getShape(v) != shape)
      return false;
  return true;
}

// Elementwise math on same-shape operands.
//   %y = onnx.Add(%a, %b)   // same shape
// ->
//   %y = ost.add %a, %b     (ost.mul, arith.subf, arith.divf, arith.negf,
//                            math.sqrt, math.exp)
struct ElementwiseToOST final : ONNXRewritePattern {
  ElementwiseToOST(StringRef type, ImportContext &ictx)
      : ONNXRewritePattern(type, ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    // An op a structural pattern recognized but could not raise keeps its
    // specific diagnostic.
    if (!sameShapeOperands(ictx, op) || !ictx.getFailure(op).empty())
      return failure();
    StringRef type = getONNXType(op);
    Location loc = op->getLoc();
    Value result;
    if (type == "Add" && op->getNumOperands() == 2)
      result =
          AddOp::create(rewriter, loc, op->getOperand(0), op->getOperand(1));
    else if (type == "Mul" && op->getNumOperands() == 2)
      result =
          MulOp::create(rewriter, loc, op->getOperand(0), op->getOperand(1));
    else if (type == "Sub" && op->getNumOperands() == 2)
      result = arith::SubFOp::create(rewriter, loc, op->getOperand(0),
                                     op->getOperand(1));
    else if (type == "Div" && op->getNumOperands() == 2)
      result = arith::DivFOp::create(rewriter, loc, op->getOperand(0),
                                     op->getOperand(1));
    else if (type == "Neg" && op->getNumOperands() == 1)
      result = arith::NegFOp::create(rewriter, loc, op->getOperand(0));
    else if (type == "Sqrt" && op->getNumOperands() == 1)
      result = math::SqrtOp::create(rewriter, loc, op->getOperand(0));
    else if (type == "Exp" && op->getNumOperands() == 1)
      result = math::ExpOp::create(rewriter, loc, op->getOperand(0));
    if (!result)
      return failure();
    replaceAndCleanUp(rewriter, op, result);
    return success();
  }
};

} // namespace

void mlir::ost::importer::populateActivationPatterns(
    RewritePatternSet &patterns, ImportContext &ictx) {
  patterns.add<MulSigmoidToSiLU>(ictx);
}

void mlir::ost::importer::populateElementwisePatterns(
    RewritePatternSet &patterns, ImportContext &ictx) {
  for (StringRef type : {"Add", "Mul", "Sub", "Div", "Neg", "Sqrt", "Exp"})
    patterns.add<ElementwiseToOST>(type, ictx);
}
