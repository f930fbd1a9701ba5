//===- LinearPatterns.cpp - linears, activation quantization, Hadamards ---===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// ost.qlinear with a 4-bit activation spec lowers to one ostrt_quantize_act
// per distinct input (fused with the preceding online Hadamard when every
// user of that Hadamard is such a linear) and one ostrt_qgemm_w4a4 per
// linear, on weights re-packed here, at compile time, into the kernels'
// layout (K padded to 128, nibbles j / j+64, stored w+8) with per-group
// weight sums for the zero-point correction. Other activation specs
// fake-quantize and run the W4A16 kernel; no spec is W4A16.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "ost/runtime/kernels/Int4Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::cpu;
namespace rk = ::ost::runtime::kernels;

bool cpu::isInt4ActivationSpec(QuantSpecAttr spec) {
  return spec && spec.getBits() == 4 && !spec.getSymmetric() &&
         spec.getGranularity() == Granularity::PerToken;
}

bool cpu::isFusedIntoQuantization(OnlineHadamardOp op) {
  if (op->use_empty())
    return false;
  for (OpOperand &use : op->getUses()) {
    auto linear = dyn_cast<QLinearOp>(use.getOwner());
    if (!linear || use.getOperandNumber() != 0 ||
        !isInt4ActivationSpec(linear.getActSpecAttr()))
      return false;
  }
  return true;
}

LogicalResult cpu::checkQLinearForCPU(QLinearOp op) {
  QuantSpecAttr spec = op.getWeightSpec();
  if (spec.getBits() != 4 || !spec.getSymmetric() ||
      spec.getGranularity() != Granularity::PerChannel ||
      spec.getGroupSize() != 0 || op.getZeroPoints())
    return op.emitOpError("the cpu target runs 4-bit symmetric per-channel "
                          "weights only, got ")
           << spec;
  ElementsAttr scales = getConstantElements(op.getScales());
  if (!getConstantElements(op.getWeight()) || !scales)
    return op.emitOpError("the cpu target needs constant weights and scales");
  auto scalesType = cast<ShapedType>(scales.getType());
  if (scalesType.getDimSize(1) != 1 || !scalesType.getElementType().isF32())
    return op.emitOpError("the cpu target needs f32 scales with one scale "
                          "per channel");
  QuantSpecAttr act = op.getActSpecAttr();
  if (act && act.getGranularity() != Granularity::PerToken)
    return op.emitOpError("the cpu target quantizes activations per token "
                          "only, got ")
           << act;
  return success();
}

LogicalResult cpu::checkFakeQuantForCPU(FakeQuantOp op) {
  if (isKVCacheQuantizer(op) ||
      (op.getSpec().getGranularity() == Granularity::PerToken &&
       !op.getClipSearch()))
    return success();
  return op.emitOpError("the cpu target fake-quantizes activations per token "
                        "without clip search only, got ")
         << op.getSpec();
}

namespace {

/// A weight of an ost.qlinear in the kernels' layout, as globals.
struct PackedWeightGlobals {
  Value weight, scales, groupSums;
};

/// Reads the qlinear's packed 4-bit weight and scales (constants, in a form
/// checkQLinearForCPU accepted) and re-packs them into globals. `group` is
/// the activation group size (0: whole rows).
FailureOr<PackedWeightGlobals> packWeight(OpBuilder &b, QLinearOp op,
                                          int64_t group, LoweringState &state) {
  Location loc = op.getLoc();
  ElementsAttr weightAttr = getConstantElements(op.getWeight());
  ElementsAttr scalesAttr = getConstantElements(op.getScales());
  auto weightType = cast<ShapedType>(weightAttr.getType());
  int64_t n = weightType.getDimSize(0);
  int64_t k = weightType.getDimSize(1) * 2;
  FailureOr<std::vector<char>> bytes = getElementBytes(weightAttr);
  FailureOr<std::vector<char>> scaleBytes = getElementBytes(scalesAttr);
  if (failed(bytes) || failed(scaleBytes))
    return op.emitOpError("cannot read its weight constants");
  const auto *packed = reinterpret_cast<const uint8_t *>(bytes->data());
  const auto *scales = reinterpret_cast<const float *>(scaleBytes->data());

  rk::PackedWeight kernelWeight;
  rk::Status status = rk::packWeightInt4(packed, scales, n, k, kernelWeight);
  if (!status.ok())
    return op.emitOpError("cannot pack its weight: ") << status.error;

  // Σ_{k ∈ g} w[n, k] per activation group g (levels are two's complement).
  int64_t groupLen = group ? group : k;
  int64_t groups = k / groupLen;
  std::vector<int32_t> sums(n * groups, 0);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < k; ++col) {
      uint8_t byte = packed[row * (k / 2) + col / 2];
      int32_t level = (col % 2) ? (byte >> 4) : (byte & 0xF);
      if (level >= 8)
        level -= 16;
      sums[row * groups + col / groupLen] += level;
    }

  MLIRContext *ctx = b.getContext();
  auto i8 = IntegerType::get(ctx, 8), i32 = IntegerType::get(ctx, 32);
  auto f32 = Float32Type::get(ctx);
  auto asBytes = [](const auto &v) {
    return ArrayRef<char>(reinterpret_cast<const char *>(v.data()),
                          v.size() * sizeof(v[0]));
  };
  PackedWeightGlobals globals;
  globals.weight = createGlobalConstant(
      b, loc, state, "qweight",
      MemRefType::get({n, kernelWeight.getRowBytes()}, i8),
      asBytes(kernelWeight.data));
  globals.scales = createGlobalConstant(b, loc, state, "qscale",
                                        MemRefType::get({n}, f32),
                                        asBytes(kernelWeight.scales));
  globals.groupSums = createGlobalConstant(
      b, loc, state, "qsums", MemRefType::get({n, groups}, i32), asBytes(sums));
  return globals;
}

/// The quantized activation of `op`'s input (shared by linears that read the
/// same input with the same spec).
QuantizedActivation quantizeInput(OpBuilder &b, QLinearOp op, Value input,
                                  LoweringState &state) {
  QuantSpecAttr spec = op.getActSpecAttr();
  auto key = std::make_pair(op.getInput(), Attribute(spec));
  auto it = state.quantized.find(key);
  if (it != state.quantized.end())
    return it->second;
  Location loc = op.getLoc();
  int64_t k = cast<RankedTensorType>(op.getInput().getType()).getShape().back();
  int64_t group = spec.getGroupSize();
  int64_t groups = group ? k / group : 1;
  Value x = toABIRows(b, loc, input);
  Value rows = memref::DimOp::create(b, loc, x, 0);
  MLIRContext *ctx = b.getContext();
  QuantizedActivation q;
  q.levels = memref::AllocOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic, k}, IntegerType::get(ctx, 8)),
      ValueRange{rows});
  q.scales = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, groups}, b.getF32Type()),
      ValueRange{rows});
  q.zeroPoints = memref::AllocOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic, groups}, IntegerType::get(ctx, 32)),
      ValueRange{rows});
  Value factor, transpose = createI64(b, loc, 0);
  auto hadamard = op.getInput().getDefiningOp<OnlineHadamardOp>();
  if (hadamard && isFusedIntoQuantization(hadamard)) {
    factor = *createHadamardFactor(b, loc, state, k);
    factor = toABI(b, loc, factor);
    transpose = createI64(b, loc, hadamard.getTranspose() ? 1 : 0);
  } else {
    factor = absentOperand(b, loc, IntegerType::get(ctx, 8), 2);
  }
  callRuntime(b, loc, state.module, "ostrt_quantize_act",
              {state.ctx, x, factor, transpose, createI64(b, loc, 4),
               createI64(b, loc, group),
               createF32(b, loc, spec.getClipRatioValue()),
               toABI(b, loc, q.levels), toABI(b, loc, q.scales),
               toABI(b, loc, q.zeroPoints)});
  state.quantized[key] = q;
  return q;
}

/// The scalar operands of ostrt_fake_quant for `spec`.
SmallVector<Value> getFakeQuantArgs(OpBuilder &b, Location loc,
                                    QuantSpecAttr spec) {
  return {createI64(b, loc, spec.getBits()),
          createI64(b, loc, spec.getSymmetric() ? 1 : 0),
          createI64(b, loc, spec.getGroupSize()),
          createF32(b, loc, spec.getClipRatioValue())};
}

/// The bias operand of a linear: its buffer, or an absent operand.
Value getBias(OpBuilder &b, Location loc, Value bias) {
  if (!bias)
    return absentOperand(b, loc, b.getF32Type(), 1);
  return toABI(b, loc, bias);
}

struct QLinearLowering : CPUPattern<QLinearOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(QLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    QuantSpecAttr act = op.getActSpecAttr();
    bool int4 = isInt4ActivationSpec(act);
    int64_t group = int4 ? act.getGroupSize() : 0;
    FailureOr<PackedWeightGlobals> w = packWeight(rewriter, op, group, state);
    if (failed(w))
      return failure();
    Value input = adaptor.getInput();
    Value bias = getBias(rewriter, loc, adaptor.getBias());
    if (int4) {
      Value out =
          allocLike(rewriter, loc, getMemRefType(op.getResult()), input);
      QuantizedActivation q = quantizeInput(rewriter, op, input, state);
      callRuntime(rewriter, loc, state.module, "ostrt_qgemm_w4a4",
                  {state.ctx, toABI(rewriter, loc, q.levels),
                   toABI(rewriter, loc, q.scales),
                   toABI(rewriter, loc, q.zeroPoints),
                   createI64(rewriter, loc, group),
                   toABI(rewriter, loc, w->weight),
                   toABI(rewriter, loc, w->scales),
                   toABI(rewriter, loc, w->groupSums), bias,
                   toABIRows(rewriter, loc, out)});
      rewriter.replaceOp(op, out);
      return success();
    }
    if (act) {
      // Another (per-token) activation grid: quantize-dequantize, then
      // float × int4.
      input = callRowsKernel(rewriter, loc, state, "ostrt_fake_quant",
                             cast<MemRefType>(input.getType()), input,
                             getFakeQuantArgs(rewriter, loc, act));
    }
    rewriter.replaceOp(
        op, callRowsKernel(rewriter, loc, state, "ostrt_qgemm_w4a16",
                           getMemRefType(op.getResult()), input,
                           {toABI(rewriter, loc, w->weight),
                            toABI(rewriter, loc, w->scales), bias}));
    return success();
  }
};

struct LinearLowering : CPUPattern<LinearOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    rewriter.replaceOp(
        op, callRowsKernel(rewriter, loc, state, "ostrt_linear_f32",
                           getMemRefType(op.getResult()), adaptor.getInput(),
                           {toABI(rewriter, loc, adaptor.getWeight()),
                            getBias(rewriter, loc, adaptor.getBias())}));
    return success();
  }
};

/// The head computes only the rows the step asked for when its logits are
/// what the model returns: hidden rows [T − R, T) straight into the step's
/// output [R, V].
struct LMHeadLowering : CPUPattern<LMHeadOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(LMHeadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    Value weight = toABI(rewriter, loc, adaptor.getWeight());
    Value noBias = absentOperand(rewriter, loc, rewriter.getF32Type(), 1);
    bool returned = op->hasOneUse() && isa<func::ReturnOp>(*op->user_begin());
    if (!returned) {
      rewriter.replaceOp(
          op, callRowsKernel(rewriter, loc, state, "ostrt_linear_f32",
                             getMemRefType(op.getResult()), input,
                             {weight, noBias}));
      return success();
    }
    Value hidden = memref::CollapseShapeOp::create(
        rewriter, loc, input, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    Value r = memref::DimOp::create(rewriter, loc, state.logits, 0);
    Value v = memref::DimOp::create(rewriter, loc, state.logits, 1);
    Value tail = getTrailingRows(rewriter, loc, hidden, r);
    callRuntime(rewriter, loc, state.module, "ostrt_linear_f32",
                {state.ctx, toABI(rewriter, loc, tail), weight, noBias,
                 toABI(rewriter, loc, state.logits)});
    // The result as the model typed it: [1, R, V] over the output buffer.
    auto resultType = getMemRefType(op.getResult());
    auto expandedType = MemRefType::get(
        {1, ShapedType::kDynamic, ShapedType::kDynamic},
        resultType.getElementType());
    Value expanded = memref::ExpandShapeOp::create(
        rewriter, loc, expandedType, state.logits,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), r, v});
    rewriter.replaceOpWithNewOp<memref::CastOp>(op, resultType, expanded);
    return success();
  }
};

struct OnlineHadamardLowering : CPUPattern<OnlineHadamardOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(OnlineHadamardOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Fused: the linears' activation quantization applies it.
    if (isFusedIntoQuantization(op)) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    Location loc = op.getLoc();
    int64_t n = op.getType().getShape().back();
    FailureOr<Value> factor = createHadamardFactor(rewriter, loc, state, n);
    if (failed(factor))
      return op.emitOpError("has no Hadamard factorization of size ") << n;
    rewriter.replaceOp(
        op, callRowsKernel(rewriter, loc, state, "ostrt_hadamard",
                           getMemRefType(op.getResult()), adaptor.getInput(),
                           {toABI(rewriter, loc, *factor),
                            createI64(rewriter, loc,
                                      op.getTranspose() ? 1 : 0)}));
    return success();
  }
};

struct FakeQuantLowering : CPUPattern<FakeQuantOp> {
  using CPUPattern::CPUPattern;
  LogicalResult
  matchAndRewrite(FakeQuantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The KV cache quantizes keys and values as it stores them.
    if (isKVCacheQuantizer(op)) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    QuantSpecAttr spec = op.getSpec();
    rewriter.replaceOp(
        op, callRowsKernel(rewriter, op.getLoc(), state, "ostrt_fake_quant",
                           getMemRefType(op.getResult()), adaptor.getInput(),
                           getFakeQuantArgs(rewriter, op.getLoc(), spec)));
    return success();
  }
};

} // namespace

void cpu::populateLinearPatterns(CPUTypeConverter &converter,
                                 LoweringState &state,
                                 RewritePatternSet &patterns) {
  patterns.add<QLinearLowering, LinearLowering, LMHeadLowering,
               OnlineHadamardLowering, FakeQuantLowering>(converter, state);
}
