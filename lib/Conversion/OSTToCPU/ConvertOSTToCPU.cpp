//===- ConvertOSTToCPU.cpp - the model function becomes the CPU step -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// convert-ost-to-cpu (see Passes.td): checks that the model function has a
// form the runtime can run (causal attention, uniform KV quantizers, RoPE
// tables read from position 0), moves its body into the step
//
//   func.func @ost_step(%ctx: !llvm.ptr, %ids: memref<?xi64>, %pos: i64,
//                       %logits: memref<?x?xf32>)
//
// and converts every op with the patterns of this directory. The model's
// sizes go to the module attribute `ost.model_info` for the backend. The
// steps are public as OSTToCPULowering (include/ost/Conversion/OSTToCPU).
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "ost/Conversion/OSTToCPU/OSTToCPU.h"
#include "ost/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::ost {
#define GEN_PASS_DEF_CONVERTOSTTOCPUPASS
#include "ost/Conversion/Passes.h.inc"
} // namespace mlir::ost

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::cpu;

namespace {

constexpr StringLiteral kStepName = OSTToCPULowering::kStepName;

/// Sizes of the model recorded for the backend as `ost.model_info`.
struct ModelInfo {
  int64_t vocab = 0, layers = 0, kvHeads = 0, headDim = 0, positions = 0;
  int64_t kBits = 16, vBits = 16;
  double kClip = 1.0, vClip = 1.0;
  /// Bytes of embedding tables only ost.embedding reads (a step reads one
  /// row per token of them, not the whole table).
  int64_t embeddingBytes = 0;
};

/// The KV quantizer of an attention operand: bits (16 for none) and clip.
std::pair<int64_t, double> getCacheQuantizer(Value operand) {
  auto fq = operand.getDefiningOp<FakeQuantOp>();
  if (!fq || !isKVCacheQuantizer(fq))
    return {16, 1.0};
  return {fq.getSpec().getBits(), fq.getSpec().getClipRatioValue()};
}

/// Rows of the RoPE table feeding `table` (a constant, or a slice of one
/// from row 0); failure with a diagnostic otherwise.
FailureOr<int64_t> getRopeTableRows(RopeOp rope, Value table) {
  if (auto slice = table.getDefiningOp<tensor::ExtractSliceOp>()) {
    bool fromZero = llvm::all_of(slice.getStaticOffsets(),
                                 [](int64_t o) { return o == 0; }) &&
                    llvm::all_of(slice.getStaticStrides(),
                                 [](int64_t s) { return s == 1; });
    bool onlyRope = llvm::all_of(slice->getUsers(), [](Operation *user) {
      return isa<RopeOp>(user);
    });
    if (!fromZero || !onlyRope || !getConstantElements(slice.getSource()))
      return rope.emitOpError("the cpu target needs RoPE tables that are "
                              "constants or their rows from 0 (read only by "
                              "ost.rope)");
    table = slice.getSource();
  }
  auto type = dyn_cast<RankedTensorType>(table.getType());
  if (!getConstantElements(table) || !type || type.getRank() != 2)
    return rope.emitOpError("the cpu target needs constant RoPE tables "
                            "[positions, head_dim/2]");
  return type.getDimSize(0);
}

/// Checks everything the patterns assume and collects the model's sizes.
LogicalResult analyzeModel(func::FuncOp fn, LoweringState &state,
                           ModelInfo &info) {
  bool ok = true, first = true;
  info.positions = std::numeric_limits<int64_t>::max();
  fn.walk([&](Operation *op) {
    if (auto embedding = dyn_cast<EmbeddingOp>(op)) {
      Value table = embedding.getTable();
      auto type = cast<RankedTensorType>(table.getType());
      if (getConstantElements(table) &&
          llvm::all_of(table.getUsers(),
                       [](Operation *user) { return isa<EmbeddingOp>(user); }))
        info.embeddingBytes +=
            type.getNumElements() * type.getElementTypeBitWidth() / 8;
      return;
    }
    if (isa<func::FuncOp, func::ReturnOp, arith::ConstantOp, tensor::DimOp,
            tensor::ExpandShapeOp, tensor::CollapseShapeOp,
            tensor::ExtractSliceOp, RMSNormOp, LinearOp, LMHeadOp,
            OnlineHadamardOp, AddOp, MulOp, SiLUOp>(op))
      return;
    if (auto fq = dyn_cast<FakeQuantOp>(op)) {
      if (failed(checkFakeQuantForCPU(fq)))
        ok = false;
      return;
    }
    if (auto linear = dyn_cast<QLinearOp>(op)) {
      if (failed(checkQLinearForCPU(linear)))
        ok = false;
      return;
    }
    if (auto rope = dyn_cast<RopeOp>(op)) {
      for (Value table : {rope.getCos(), rope.getSin()}) {
        FailureOr<int64_t> rows = getRopeTableRows(rope, table);
        if (failed(rows))
          ok = false;
        else
          info.positions = std::min(info.positions, *rows);
      }
      return;
    }
    if (auto attention = dyn_cast<AttentionOp>(op)) {
      if (!attention.getCausal() || attention.getMask()) {
        attention.emitOpError("the cpu target runs causal attention without "
                              "an explicit mask only");
        ok = false;
        return;
      }
      auto keyType = attention.getKey().getType();
      auto [kBits, kClip] = getCacheQuantizer(attention.getKey());
      auto [vBits, vClip] = getCacheQuantizer(attention.getValue());
      int64_t kvHeads = keyType.getDimSize(2), headDim = keyType.getDimSize(3);
      if (ShapedType::isDynamic(kvHeads) || ShapedType::isDynamic(headDim)) {
        attention.emitOpError("needs static head counts and sizes");
        ok = false;
        return;
      }
      if (first) {
        info.kBits = kBits, info.vBits = vBits, info.kClip = kClip,
        info.vClip = vClip, info.kvHeads = kvHeads, info.headDim = headDim;
        first = false;
      } else if (kBits != info.kBits || vBits != info.vBits ||
                 kClip != info.kClip || vClip != info.vClip ||
                 kvHeads != info.kvHeads || headDim != info.headDim) {
        attention.emitOpError("has a KV cache layout (heads, size, "
                              "quantizers) unlike the first layer's; the cpu "
                              "target needs one layout for all layers");
        ok = false;
        return;
      }
      state.layerOf[attention] = info.layers++;
      return;
    }
    op->emitOpError("has no lowering for the cpu target");
    ok = false;
  });
  if (!ok)
    return failure();
  if (info.layers == 0)
    return fn.emitOpError("has no ost.attention: nothing to build a KV cache "
                          "for");
  if (info.positions == std::numeric_limits<int64_t>::max())
    return fn.emitOpError("has no ost.rope: the cpu target needs RoPE tables "
                          "to bound the KV cache");
  // The returned logits [B, T, V].
  auto results = fn.getFunctionType().getResults();
  auto logitsType = results.size() == 1
                        ? dyn_cast<RankedTensorType>(results[0])
                        : RankedTensorType();
  if (!logitsType || logitsType.getRank() != 3 ||
      logitsType.isDynamicDim(2) || !logitsType.getElementType().isF32())
    return fn.emitOpError("must return f32 logits [B, T, V] with a static "
                          "vocabulary, got ")
           << fn.getFunctionType();
  info.vocab = logitsType.getDimSize(2);
  auto args = fn.getArgumentTypes();
  auto idsType =
      args.size() == 1 ? dyn_cast<RankedTensorType>(args[0]) : RankedTensorType();
  if (!idsType || idsType.getRank() != 2 ||
      !idsType.getElementType().isInteger(64))
    return fn.emitOpError("must take i64 token ids [B, T], got ")
           << fn.getFunctionType();
  return success();
}

/// Creates the step and moves the body of `fn` into it: the token ids enter
/// as [1, T] through a to_tensor, the logits leave through func.return
/// (lowered by ReturnLowering).
func::FuncOp createStep(func::FuncOp fn, LoweringState &state) {
  OpBuilder b(fn);
  MLIRContext *ctx = fn.getContext();
  Location loc = fn.getLoc();
  auto i64 = IntegerType::get(ctx, 64);
  auto idsType = MemRefType::get({ShapedType::kDynamic}, i64);
  auto logitsType = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic}, Float32Type::get(ctx));
  auto type = b.getFunctionType(
      {LLVM::LLVMPointerType::get(ctx), idsType, i64, logitsType}, {});
  auto step = func::FuncOp::create(b, loc, kStepName, type);
  step->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  step.getBody().takeBody(fn.getBody());
  Block &entry = step.getBody().front();
  BlockArgument oldIds = entry.getArgument(0);
  auto argTypes = type.getInputs();
  SmallVector<Location> locs(argTypes.size(), loc);
  entry.addArguments(argTypes, locs);
  state.ctx = entry.getArgument(1);
  state.pos = entry.getArgument(3);
  state.logits = entry.getArgument(4);
  b.setInsertionPointToStart(&entry);
  Value ids = entry.getArgument(2);
  Value t = memref::DimOp::create(b, loc, ids, 0);
  auto batchType = MemRefType::get({1, ShapedType::kDynamic}, i64);
  Value batch = memref::ExpandShapeOp::create(
      b, loc, batchType, ids, ArrayRef<ReassociationIndices>{{0, 1}},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), OpFoldResult(t)});
  auto oldType = cast<RankedTensorType>(oldIds.getType());
  Value cast = memref::CastOp::create(
      b, loc, MemRefType::get(oldType.getShape(), i64), batch);
  Value tensor = bufferization::ToTensorOp::create(b, loc, oldType, cast,
                                                   /*restrict=*/true);
  oldIds.replaceAllUsesWith(tensor);
  entry.eraseArgument(0);
  return step;
}

} // namespace

//===----------------------------------------------------------------------===//
// OSTToCPULowering
//===----------------------------------------------------------------------===//

struct OSTToCPULowering::Impl {
  LoweringState state;
  ModelInfo info;
  CPUTypeConverter converter;
  func::FuncOp step;
};

OSTToCPULowering::OSTToCPULowering(std::unique_ptr<Impl> impl)
    : impl(std::move(impl)) {}
OSTToCPULowering::~OSTToCPULowering() = default;

FailureOr<std::unique_ptr<OSTToCPULowering>>
OSTToCPULowering::prepare(ModuleOp module, StringRef entry) {
  auto fn = module.lookupSymbol<func::FuncOp>(entry);
  if (!fn || fn.isExternal())
    return module.emitError("convert-ost-to-cpu: no model function '")
           << entry << "' with a body";
  if (module.lookupSymbol(kStepName))
    return module.emitError("convert-ost-to-cpu: the module already has an '")
           << kStepName << "'";
  auto impl = std::make_unique<Impl>();
  impl->state.module = module;
  if (failed(analyzeModel(fn, impl->state, impl->info)))
    return failure();
  impl->step = createStep(fn, impl->state);
  fn.erase();
  return std::unique_ptr<OSTToCPULowering>(
      new OSTToCPULowering(std::move(impl)));
}

func::FuncOp OSTToCPULowering::getStep() const { return impl->step; }

const TypeConverter &OSTToCPULowering::getTypeConverter() const {
  return impl->converter;
}

void OSTToCPULowering::populatePatterns(RewritePatternSet &patterns) {
  populateShapePatterns(impl->converter, impl->state, patterns);
  populateLinearPatterns(impl->converter, impl->state, patterns);
  populateModelPatterns(impl->converter, impl->state, patterns);
  populateElementwisePatterns(impl->converter, impl->state, patterns);
}

void OSTToCPULowering::configureTarget(ConversionTarget &target) const {
  target.addLegalDialect<arith::ArithDialect, memref::MemRefDialect,
                         scf::SCFDialect, vector::VectorDialect,
                         math::MathDialect, func::FuncDialect>();
  target.addIllegalDialect<OSTDialect, tensor::TensorDialect>();
  target.addIllegalOp<bufferization::ToTensorOp>();
  target.addDynamicallyLegalOp<arith::ConstantOp>(
      [](arith::ConstantOp op) { return !isa<TensorType>(op.getType()); });
  target.addDynamicallyLegalOp<func::ReturnOp>(
      [](func::ReturnOp op) { return op.getNumOperands() == 0; });
}

LogicalResult OSTToCPULowering::finish() {
  MLIRContext *ctx = impl->step.getContext();
  // Vectorizable exp for SiLU.
  RewritePatternSet expPatterns(ctx);
  populateMathPolynomialApproximationPatterns(
      expPatterns, [](StringRef name) { return name == "math.exp"; });
  if (failed(applyPatternsGreedily(impl->step, std::move(expPatterns))))
    return failure();

  const ModelInfo &info = impl->info;
  Builder b(ctx);
  impl->state.module->setAttr(
      "ost.model_info",
      ModelInfoAttr::get(ctx, info.vocab, info.layers, info.kvHeads,
                         info.headDim, info.positions, info.kBits, info.vBits,
                         b.getF32FloatAttr(info.kClip),
                         b.getF32FloatAttr(info.vClip), info.embeddingBytes));
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {

struct ConvertOSTToCPUPass
    : public ost::impl::ConvertOSTToCPUPassBase<ConvertOSTToCPUPass> {
  using ConvertOSTToCPUPassBase::ConvertOSTToCPUPassBase;

  void runOnOperation() override {
    FailureOr<std::unique_ptr<OSTToCPULowering>> lowering =
        OSTToCPULowering::prepare(getOperation(), entry);
    if (failed(lowering))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    (*lowering)->populatePatterns(patterns);
    ConversionTarget target(getContext());
    (*lowering)->configureTarget(target);
    if (failed(applyFullConversion((*lowering)->getStep(), target,
                                   std::move(patterns))) ||
        failed((*lowering)->finish()))
      return signalPassFailure();
  }
};

} // namespace
