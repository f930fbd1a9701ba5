//===- ShapePatterns.cpp - constants, views and the step's boundary -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Tensor constants become globals, tensor reshapes become memref views,
// tensor.extract_slice of a RoPE table becomes the whole table (ostrt_rope
// indexes it by position), and func.return copies the requested logits rows
// into the step's output unless the head already wrote them there.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::cpu;

namespace {

/// %w = arith.constant dense_resource<...> : tensor<NxKxf32>
///   →  %g = memref.get_global @__ost_const_3 : memref<(N*K)xf32>
///      %w = memref.expand_shape %g [[0, 1]] : ... into memref<NxKxf32>
struct ConstantLowering : CPUPattern<arith::ConstantOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<RankedTensorType>(op.getType()))
      return failure();
    auto value = dyn_cast<ElementsAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "not an elements constant");
    FailureOr<Value> global =
        createGlobalConstant(rewriter, op.getLoc(), state, "const", value);
    if (failed(global))
      return op.emitOpError("cannot be placed in a global (rank 0, or "
                            "elements that are not whole bytes)");
    rewriter.replaceOp(op, *global);
    return success();
  }
};

struct DimLowering : CPUPattern<tensor::DimOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(tensor::DimOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<memref::DimOp>(op, adaptor.getSource(),
                                               adaptor.getIndex());
    return success();
  }
};

struct ExpandShapeLowering : CPUPattern<tensor::ExpandShapeOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(tensor::ExpandShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<memref::ExpandShapeOp>(
        op, getMemRefType(op.getResult()), adaptor.getSrc(),
        op.getReassociationIndices(), op.getMixedOutputShape());
    return success();
  }
};

struct CollapseShapeLowering : CPUPattern<tensor::CollapseShapeOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(tensor::CollapseShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<memref::CollapseShapeOp>(
        op, adaptor.getSrc(), op.getReassociationIndices());
    return success();
  }
};

/// The rows [0, T) of a RoPE table stand for positions [pos, pos + T) in the
/// step: the slice becomes the whole table and ostrt_rope picks the rows.
struct RopeTableSliceLowering : CPUPattern<tensor::ExtractSliceOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(tensor::ExtractSliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The pass checked the form up front (rows from 0 of a constant table,
    // read only by ost.rope).
    rewriter.replaceOpWithNewOp<memref::CastOp>(
        op, getMemRefType(op.getResult()), adaptor.getSource());
    return success();
  }
};

/// The step's token ids enter the model body through a to_tensor.
struct ToTensorLowering : CPUPattern<bufferization::ToTensorOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(bufferization::ToTensorOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getBuffer());
    return success();
  }
};

/// Strips views and casts off a memref value.
Value getViewSource(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto cast = dyn_cast<memref::CastOp>(def))
      value = cast.getSource();
    else if (auto expand = dyn_cast<memref::ExpandShapeOp>(def))
      value = expand.getSrc();
    else
      break;
  }
  return value;
}

/// return %logits → nothing left to do when the head wrote into the step's
/// output; otherwise a copy of the last rows of the result.
struct ReturnLowering : CPUPattern<func::ReturnOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(func::ReturnOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (adaptor.getOperands().size() != 1)
      return op.emitOpError("the model must return exactly the logits");
    Value result = adaptor.getOperands()[0];
    if (getViewSource(result) != state.logits) {
      Location loc = op.getLoc();
      // result [1, T, V] → rows [T − R, T) into logits [R, V].
      Value rows2d = memref::CollapseShapeOp::create(
          rewriter, loc, result,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}});
      Value r = memref::DimOp::create(rewriter, loc, state.logits, 0);
      memref::CopyOp::create(rewriter, loc,
                             getTrailingRows(rewriter, loc, rows2d, r),
                             state.logits);
    }
    rewriter.replaceOpWithNewOp<func::ReturnOp>(op);
    return success();
  }
};

} // namespace

void cpu::populateShapePatterns(CPUTypeConverter &converter,
                                LoweringState &state,
                                RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, DimLowering, ExpandShapeLowering,
               CollapseShapeLowering, RopeTableSliceLowering, ToTensorLowering,
               ReturnLowering>(converter, state);
}
