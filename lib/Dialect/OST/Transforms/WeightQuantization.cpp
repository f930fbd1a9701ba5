//===- WeightQuantization.cpp - rewrite linears to packed qlinears --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/WeightQuantization.h"

#include "ost/Dialect/OST/Transforms/WeightConstants.h"

#include "DecoderStructure.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::ost;
namespace quant = ::ost::quant;

FailureOr<SmallVector<LinearOp>>
mlir::ost::collectQuantizableLinears(ModuleOp module, StringRef action) {
  llvm::SmallPtrSet<Operation *, 32> projections;
  DecoderMatchOptions options;
  options.lookThroughOnlineOps = true;
  options.action = action;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    FailureOr<DecoderStructure> structure =
        matchDecoderStructure(func, options);
    if (failed(structure))
      return failure();
    for (const AttentionBlock &b : structure->attention)
      for (LinearOp l : {b.q, b.k, b.v, b.o})
        projections.insert(l);
    for (const MLPBlock &b : structure->mlp)
      for (LinearOp l : {b.gate, b.up, b.down})
        projections.insert(l);
  }
  SmallVector<LinearOp> linears;
  module.walk([&](LinearOp linear) {
    if (projections.contains(linear) || linear.getRoleAttr())
      linears.push_back(linear);
    else
      linear.emitWarning()
          << "this ost.linear stays in floating point: it is not a "
             "q/k/v/o/gate/up/down projection of a recognized decoder block "
             "and has no role";
  });
  return linears;
}

FailureOr<std::vector<float>> mlir::ost::getConstantWeight(LinearOp linear) {
  Value weight = linear.getWeight();
  if (auto quantizer = weight.getDefiningOp<FakeQuantOp>())
    weight = quantizer.getInput();
  FailureOr<std::vector<float>> values = getF32Constant(weight);
  if (succeeded(values))
    return values;
  InFlightDiagnostic diag = linear.emitError()
                            << "cannot quantize the weight of this linear: "
                               "it is not an f32 constant";
  if (weight.getDefiningOp<TransformWeightOp>())
    diag << " but an ost.transform_weight chain";
  diag << "; run ost-fold-transforms first";
  return diag;
}

QuantSpecAttr
mlir::ost::getWeightSpec(MLIRContext *context,
                         const quant::WeightQuantOptions &options) {
  return QuantSpecAttr::get(context, options.bits, options.symmetric,
                            Granularity::PerChannel, /*axis=*/0,
                            options.groupSize, llvm::APFloat(1.0));
}

/// A constant of i8 `data` (a dense_resource blob named `blobName` when it
/// has at least kResourceThreshold elements, inline `dense` otherwise).
static Value createI8Constant(OpBuilder &b, Location loc, RankedTensorType type,
                              ArrayRef<int8_t> data, StringRef blobName) {
  TypedAttr attr;
  if (type.getNumElements() >= kResourceThreshold)
    attr = cast<TypedAttr>(DenseI8ResourceElementsAttr::get(
        type, blobName, HeapAsmResourceBlob::allocateAndCopyInferAlign(data)));
  else
    attr = DenseElementsAttr::get(type, data);
  return arith::ConstantOp::create(b, loc, type, attr);
}

/// The blob name prefix of `linear`'s quantized weight:
/// "layers.<L>.<role>" when it has both, "qlinear" otherwise (the blob
/// manager makes repeated names unique).
static std::string getBlobPrefix(LinearOp linear) {
  std::optional<LinearRole> role = linear.getRole();
  IntegerAttr layer = linear.getLayerAttr();
  if (!role || !layer)
    return "qlinear";
  return ("layers." + Twine(layer.getInt()) + "." + stringifyLinearRole(*role))
      .str();
}

/// Erases `value`'s producer when nothing reads it any more, then its
/// operands' producers the same way (a weight fake quantizer, then the
/// constant it read).
static void eraseIfDead(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!def->use_empty() || !isa<FakeQuantOp, arith::ConstantOp>(def))
      return;
    Value next = def->getNumOperands() ? def->getOperand(0) : Value();
    def->erase();
    if (!next)
      return;
    value = next;
  }
}

FailureOr<QLinearOp> mlir::ost::replaceWithQLinear(
    LinearOp linear, const quant::QuantizedWeight &weight,
    const quant::WeightQuantOptions &options, bool foldActivationQuantizer,
    StringRef blobPrefix) {
  auto type = cast<RankedTensorType>(linear.getWeight().getType());
  int64_t n = type.getDimSize(0), k = type.getDimSize(1);
  if (weight.rows != n || weight.cols != k)
    return linear.emitError()
           << "cannot replace this linear: the quantized weight is ["
           << weight.rows << ", " << weight.cols << "], the linear's is "
           << type;
  int64_t groups = options.groupSize > 0 ? k / options.groupSize : 1;
  bool asymmetric = !options.symmetric;
  if (weight.groups != groups ||
      static_cast<int64_t>(weight.scales.size()) != n * groups ||
      static_cast<int64_t>(weight.zeroPoints.size()) !=
          (asymmetric ? n * groups : 0))
    return linear.emitError()
           << "cannot replace this linear: the quantized weight's scales do "
              "not match "
           << (asymmetric ? "asymmetric" : "symmetric") << " groups of "
           << (options.groupSize > 0 ? options.groupSize : k) << " columns";
  llvm::Expected<std::vector<int8_t>> packed =
      quant::packLevels(weight, options.bits);
  if (!packed)
    return linear.emitError() << "cannot pack the weight of this linear: "
                              << llvm::toString(packed.takeError());
  int64_t packedCols = k * static_cast<int64_t>(options.bits) / 8;
  if (static_cast<int64_t>(packed->size()) != n * packedCols)
    return linear.emitError()
           << "cannot pack the weight of this linear: got " << packed->size()
           << " bytes, expected " << n * packedCols;

  OpBuilder b(linear);
  Location loc = linear.getLoc();
  std::string prefix = (blobPrefix + getBlobPrefix(linear)).str();
  auto packedType = RankedTensorType::get({n, packedCols}, b.getI8Type());
  Value packedWeight =
      createI8Constant(b, loc, packedType, *packed, prefix + ".qweight");
  auto scalesType = RankedTensorType::get({n, groups}, b.getF32Type());
  Value scales =
      createF32Constant(b, loc, scalesType, weight.scales, prefix + ".scales");
  Value zeroPoints;
  if (asymmetric)
    zeroPoints = createI8Constant(
        b, loc, RankedTensorType::get({n, groups}, b.getI8Type()),
        weight.zeroPoints, prefix + ".zero_points");

  // A per-token activation quantizer without clip search is exactly what
  // act_spec computes.
  Value input = linear.getInput();
  QuantSpecAttr actSpec;
  FakeQuantOp actQuantizer;
  if (auto fq = input.getDefiningOp<FakeQuantOp>();
      foldActivationQuantizer && fq && !fq.getClipSearchAttr() &&
      fq.getSpec().getGranularity() == Granularity::PerToken) {
    actQuantizer = fq;
    actSpec = fq.getSpec();
    input = fq.getInput();
  }
  auto qlinear = QLinearOp::create(
      b, loc, linear.getResult().getType(), input, packedWeight, scales,
      zeroPoints, linear.getBias(), getWeightSpec(b.getContext(), options),
      actSpec, linear.getRoleAttr(), linear.getLayerAttr());
  Value oldWeight = linear.getWeight();
  linear.getResult().replaceAllUsesWith(qlinear.getResult());
  linear.erase();
  eraseIfDead(oldWeight);
  if (actQuantizer && actQuantizer->use_empty())
    actQuantizer.erase();
  return qlinear;
}
