//===- RaiseShapes.cpp - pass-through ops, transposes and reshapes --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Phase 0 removes ops that return their input (Identity, a Cast to the same
// type, inference-mode Dropout). Phase 2 turns the remaining Transposes into
// ost.transpose and Reshape / Squeeze / Unsqueeze / Flatten into
// tensor.expand_shape or tensor.collapse_shape. The reassociation comes from
// the symbolic shapes of the input and the result (stage 1 evaluated the
// Shape/Gather/Concat computations feeding the shape operand), so the shape
// operand's subgraph becomes dead and is erased. A reshape that is neither a
// pure expansion nor a pure collapse is reported.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

// Ops that return their input.
//   %y = onnx.Identity(%x)  |  onnx.Cast(%x) {to = <x's type>}  |
//   onnx.Dropout(%x) (inference)
// ->
//   %x
struct RemovePassThrough final : ONNXRewritePattern {
  RemovePassThrough(StringRef type, ImportContext &ictx)
      : ONNXRewritePattern(type, ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value result = op->getResult(0);
    Value in = skipPassThrough(result);
    if (in == result)
      return failure();
    for (Value other : op->getResults().drop_front())
      if (!other.use_empty())
        return failure();
    Value replacement =
        castIfNeeded(rewriter, op->getLoc(), in, result.getType());
    if (!replacement)
      return failure();
    rewriter.replaceAllUsesWith(result, replacement);
    eraseWithDeadProducers(rewriter, op);
    return success();
  }
};

// Transpose.
//   %y = onnx.Transpose(%x) {perm = [0, 2, 1, 3]}
// ->
//   %y = ost.transpose %x [0, 2, 1, 3]
struct TransposeToOST final : ONNXRewritePattern {
  TransposeToOST(ImportContext &ictx) : ONNXRewritePattern("Transpose", ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value input;
    SmallVector<int64_t> perm;
    if (!matchTranspose(op->getResult(0), input, perm) ||
        !isa<RankedTensorType>(op->getResult(0).getType()))
      return failure();
    Value t = createTranspose(rewriter, ictx, op->getLoc(), input, perm);
    return replaceWithCast(rewriter, op, t);
  }
};

// Reshapes that only split or merge adjacent dimensions.
//   %y = onnx.Reshape(%x, %shape)   // [B, T, 64] -> [B, T, 8, 8]
// ->
//   %y = tensor.expand_shape %x [[0], [1], [2, 3]] output_shape [...]
// (collapse_shape for the merges; likewise Squeeze, Unsqueeze, Flatten)
struct ReshapeToTensor final : ONNXRewritePattern {
  ReshapeToTensor(StringRef type, ImportContext &ictx)
      : ONNXRewritePattern(type, ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value src = getONNXInput(op, 0);
    if (!src || op->getNumResults() != 1)
      return failure();
    auto srcType = dyn_cast<RankedTensorType>(src.getType());
    auto resType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!srcType || !resType)
      return failure();
    std::optional<SymShape> in = ictx.getShape(src),
                            out = ictx.getShape(op->getResult(0));
    if (!in || !out)
      return failure();
    DimSymbols &dims = ictx.getDims();
    std::optional<SmallVector<SmallVector<int64_t, 2>>> reassoc =
        reassociationFor(*in, *out);
    if (!reassoc) {
      ictx.noteFailure(op, "reshape from " + dims.str(*in) + " to " +
                               dims.str(*out) +
                               " is neither an expansion nor a collapse of "
                               "dimensions");
      return failure();
    }
    Location loc = op->getLoc();
    Value result;
    if (in->size() == out->size()) {
      result = src;
    } else if (out->size() > in->size()) {
      RankedTensorType type = makeTensorType(*out, srcType.getElementType());
      SmallVector<OpFoldResult> outputShape;
      for (auto [i, group] : llvm::enumerate(*reassoc)) {
        int64_t dynamicCount = 0, staticProduct = 1;
        for (int64_t d : group) {
          if (type.isDynamicDim(d))
            ++dynamicCount;
          else
            staticProduct *= type.getDimSize(d);
        }
        if (dynamicCount > 1) {
          ictx.noteFailure(op, "reshape splits a dynamic dimension into "
                               "several dynamic ones");
          return failure();
        }
        for (int64_t d : group) {
          if (!type.isDynamicDim(d)) {
            outputShape.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
            continue;
          }
          Value size = createDimValue(rewriter, loc, src, i);
          if (staticProduct != 1)
            size = arith::DivUIOp::create(
                rewriter, loc, size,
                arith::ConstantIndexOp::create(rewriter, loc, staticProduct));
          outputShape.push_back(size);
        }
      }
      result = tensor::ExpandShapeOp::create(rewriter, loc, type, src, *reassoc,
                                             outputShape);
    } else {
      result = tensor::CollapseShapeOp::create(rewriter, loc, src, *reassoc);
    }
    ictx.setShape(result, *out);
    return replaceWithCast(rewriter, op, result);
  }
};

} // namespace

void mlir::ost::importer::populateTrivialPatterns(RewritePatternSet &patterns,
                                                  ImportContext &ictx) {
  for (StringRef type : {"Identity", "Cast", "Dropout"})
    patterns.add<RemovePassThrough>(type, ictx);
}

void mlir::ost::importer::populateShapePatterns(RewritePatternSet &patterns,
                                                ImportContext &ictx) {
  patterns.add<TransposeToOST>(ictx);
  for (StringRef type : {"Reshape", "Squeeze", "Unsqueeze", "Flatten"})
    patterns.add<ReshapeToTensor>(type, ictx);
}
