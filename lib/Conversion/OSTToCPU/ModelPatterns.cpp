//===- ModelPatterns.cpp - embedding, norms, RoPE, attention ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The decoder ops with a step-wide meaning: RoPE reads its tables at
// positions pos.., attention reads and extends the session's KV cache of
// its layer. Activations are [1, T, ...] buffers (the step runs one
// sequence); kernels get [T, ...] views.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::cpu;

bool cpu::isKVCacheQuantizer(FakeQuantOp op) {
  QuantSpecAttr spec = op.getSpec();
  int64_t last = op.getType().getShape().back();
  if (op->use_empty() || op.getClipSearch() || spec.getSymmetric() ||
      spec.getGranularity() != Granularity::PerToken ||
      (spec.getGroupSize() != 0 && spec.getGroupSize() != last))
    return false;
  for (OpOperand &use : op->getUses()) {
    auto attention = dyn_cast<AttentionOp>(use.getOwner());
    if (!attention || (use.getOperandNumber() != 1 &&
                       use.getOperandNumber() != 2))
      return false;
  }
  return true;
}

namespace {

struct EmbeddingLowering : CPUPattern<EmbeddingOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value ids = adaptor.getIds();
    auto idsType = cast<MemRefType>(ids.getType());
    if (!idsType.getElementType().isInteger(64) || idsType.getRank() != 2)
      return op.emitOpError("the cpu target takes i64 token ids [B, T], got ")
             << op.getIds().getType();
    Value out = allocLike(rewriter, loc, getMemRefType(op.getResult()), ids);
    Value flatIds = flatten(rewriter, loc, ids);
    callRuntime(rewriter, loc, state.module, "ostrt_embedding",
                {state.ctx, toABI(rewriter, loc, adaptor.getTable()),
                 toABI(rewriter, loc, flatIds), toABIRows(rewriter, loc, out)});
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct RMSNormLowering : CPUPattern<RMSNormOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value weight =
        adaptor.getWeight()
            ? toABI(rewriter, loc, adaptor.getWeight())
            : absentOperand(rewriter, loc, rewriter.getF32Type(), 1);
    rewriter.replaceOp(
        op, callRowsKernel(
                rewriter, loc, state, "ostrt_rms_norm",
                getMemRefType(op.getResult()), adaptor.getInput(),
                {weight, createF32(rewriter, loc,
                                   op.getEpsilon().convertToDouble())}));
    return success();
  }
};

struct RopeLowering : CPUPattern<RopeOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    Value out = allocLike(rewriter, loc, getMemRefType(op.getResult()), input);
    bool interleaved = op.getLayout() == RopeLayout::Interleaved;
    callRuntime(rewriter, loc, state.module, "ostrt_rope",
                {state.ctx, toABIDropBatch(rewriter, loc, input),
                 toABI(rewriter, loc, adaptor.getCos()),
                 toABI(rewriter, loc, adaptor.getSin()), state.pos,
                 createI64(rewriter, loc, interleaved ? 1 : 0),
                 toABIDropBatch(rewriter, loc, out)});
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct AttentionLowering : CPUPattern<AttentionOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value query = adaptor.getQuery();
    Value out = allocLike(rewriter, loc, getMemRefType(op.getResult()), query);
    callRuntime(rewriter, loc, state.module, "ostrt_attention",
                {state.ctx, createI64(rewriter, loc, state.layerOf.at(op)),
                 toABIDropBatch(rewriter, loc, query),
                 toABIDropBatch(rewriter, loc, adaptor.getKey()),
                 toABIDropBatch(rewriter, loc, adaptor.getValue()), state.pos,
                 createF32(rewriter, loc, op.getScaleOrDefault()),
                 toABIDropBatch(rewriter, loc, out)});
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void cpu::populateModelPatterns(CPUTypeConverter &converter,
                                LoweringState &state,
                                RewritePatternSet &patterns) {
  patterns.add<EmbeddingLowering, RMSNormLowering, RopeLowering,
               AttentionLowering>(converter, state);
}
