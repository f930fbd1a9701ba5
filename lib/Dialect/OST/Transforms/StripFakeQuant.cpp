//===- StripFakeQuant.cpp - remove fake quantization ----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-strip-fake-quant: the float network (calibration teacher,
// quantization-error reference) is the quantized one without its fake
// quantizers.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"
#include "ost/Dialect/OST/Transforms/Transforms.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTSTRIPFAKEQUANTPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

// %q = ost.fake_quant %x {spec = ...}  ->  %x
struct EraseFakeQuant final : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

class OSTStripFakeQuantPass final
    : public impl::OSTStripFakeQuantPassBase<OSTStripFakeQuantPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateStripFakeQuantPatterns(patterns);
    // One local rewrite per op, no fixpoint needed.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void populateStripFakeQuantPatterns(RewritePatternSet &patterns) {
  patterns.add<EraseFakeQuant>(patterns.getContext());
}

} // namespace mlir::ost
