//===- OSTOps.cpp - OST op verifiers and interfaces -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Verifiers check shapes statically where they are known; a dynamic
// dimension (`?`) is compatible with anything.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "ost/Support/HadamardSizes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ost;

#include "ost/Dialect/OST/IR/OSTOpInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "ost/Dialect/OST/IR/OSTOps.cpp.inc"

namespace {

/// True if two dimension sizes can be equal at run time.
bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

int64_t lastDim(Value v) { return tensorType(v).getShape().back(); }

/// Prints a dimension, `?` when dynamic.
std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

/// Checks the layout rules of a quantization spec against the shape it
/// quantizes: groups divide the last dimension, the axis is in range.
LogicalResult verifySpecForShape(Operation *op, QuantSpecAttr spec,
                                 RankedTensorType type, StringRef what) {
  if (type.getRank() == 0)
    return op->emitOpError() << what << " must have rank >= 1";
  int64_t last = type.getShape().back();
  int64_t group = spec.getGroupSize();
  if (group > 0 && !ShapedType::isDynamic(last) && last % group != 0)
    return op->emitOpError()
           << "group size " << group << " does not divide the last dimension ("
           << last << ") of the " << what;
  if (spec.getGranularity() == Granularity::PerChannel &&
      spec.getAxis() >= type.getRank())
    return op->emitOpError() << "per_channel axis " << spec.getAxis()
                             << " is out of range for the " << what
                             << " of rank " << type.getRank();
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  RankedTensorType table = getTable().getType();
  RankedTensorType ids = getIds().getType();
  RankedTensorType result = getResult().getType();
  if (table.getRank() != 2)
    return emitOpError() << "table must be a matrix [vocab, dim], got rank "
                         << table.getRank();
  if (result.getRank() != ids.getRank() + 1)
    return emitOpError() << "result rank must be ids rank + 1 ("
                         << ids.getRank() + 1 << "), got " << result.getRank();
  for (int64_t i = 0; i < ids.getRank(); ++i)
    if (!compatible(ids.getDimSize(i), result.getDimSize(i)))
      return emitOpError() << "result dimension " << i << " ("
                           << dimStr(result.getDimSize(i))
                           << ") does not match ids dimension ("
                           << dimStr(ids.getDimSize(i)) << ")";
  if (!compatible(table.getDimSize(1), result.getShape().back()))
    return emitOpError() << "result feature size ("
                         << dimStr(result.getShape().back())
                         << ") does not match the table's embedding size ("
                         << dimStr(table.getDimSize(1)) << ")";
  if (table.getElementType() != result.getElementType())
    return emitOpError("result element type must match the table's");
  return success();
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  if (getInput().getType().getRank() == 0)
    return emitOpError("input must have rank >= 1");
  if (!(getEpsilon().convertToDouble() > 0.0))
    return emitOpError() << "epsilon must be positive, got "
                         << getEpsilon().convertToDouble();
  if (Value weight = getWeight()) {
    int64_t w = tensorType(weight).getDimSize(0);
    if (!compatible(w, lastDim(getInput())))
      return emitOpError() << "weight size (" << dimStr(w)
                           << ") does not match the normalized dimension ("
                           << dimStr(lastDim(getInput())) << ")";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Linear-like ops
//===----------------------------------------------------------------------===//

/// Shared shape rules of Y = X · Wᵀ with W of logical shape [n, k].
static LogicalResult verifyLinearShapes(Operation *op, Value input, int64_t n,
                                        int64_t k, Value result) {
  RankedTensorType in = tensorType(input), out = tensorType(result);
  if (in.getRank() == 0)
    return op->emitOpError("input must have rank >= 1");
  if (out.getRank() != in.getRank())
    return op->emitOpError() << "result rank (" << out.getRank()
                             << ") must equal input rank (" << in.getRank()
                             << ")";
  if (!compatible(in.getShape().back(), k))
    return op->emitOpError()
           << "input features (" << dimStr(in.getShape().back())
           << ") do not match the weight's input features (" << dimStr(k)
           << ")";
  if (!compatible(out.getShape().back(), n))
    return op->emitOpError()
           << "result features (" << dimStr(out.getShape().back())
           << ") do not match the weight's output features (" << dimStr(n)
           << ")";
  for (int64_t i = 0; i + 1 < in.getRank(); ++i)
    if (!compatible(in.getDimSize(i), out.getDimSize(i)))
      return op->emitOpError() << "result batch dimension " << i
                               << " does not match the input's";
  return success();
}

LogicalResult LinearOp::verify() {
  RankedTensorType w = getWeight().getType();
  if (failed(verifyLinearShapes(*this, getInput(), w.getDimSize(0),
                                w.getDimSize(1), getResult())))
    return failure();
  if (Value bias = getBias())
    if (!compatible(tensorType(bias).getDimSize(0), w.getDimSize(0)))
      return emitOpError() << "bias size (" << dimStr(tensorType(bias).getDimSize(0))
                           << ") does not match the output features ("
                           << dimStr(w.getDimSize(0)) << ")";
  if (std::optional<int64_t> layer = getLayer(); layer && *layer < 0)
    return emitOpError() << "layer index must be non-negative, got " << *layer;
  return success();
}
int64_t LinearOp::getInFeatures() { return getWeight().getType().getDimSize(1); }
int64_t LinearOp::getOutFeatures() {
  return getWeight().getType().getDimSize(0);
}

LogicalResult LMHeadOp::verify() {
  RankedTensorType w = getWeight().getType();
  return verifyLinearShapes(*this, getInput(), w.getDimSize(0), w.getDimSize(1),
                            getResult());
}
int64_t LMHeadOp::getInFeatures() { return getWeight().getType().getDimSize(1); }
int64_t LMHeadOp::getOutFeatures() {
  return getWeight().getType().getDimSize(0);
}

LogicalResult QLinearOp::verify() {
  QuantSpecAttr wspec = getWeightSpec();
  unsigned bits = wspec.getBits();
  if (8 % bits != 0)
    return emitOpError() << "packed weights need bits dividing 8 (2, 4 or 8), got "
                         << bits;
  if (wspec.getGranularity() != Granularity::PerChannel || wspec.getAxis() != 0)
    return emitOpError("weight_spec must be per_channel with axis = 0 (one "
                       "scale per output channel or group)");
  if (QuantSpecAttr aspec = getActSpecAttr();
      aspec && aspec.getGranularity() != Granularity::PerToken)
    return emitOpError("act_spec must be per_token");
  RankedTensorType w = getWeight().getType();
  int64_t perByte = 8 / bits;
  int64_t n = w.getDimSize(0);
  int64_t k = ShapedType::isDynamic(w.getDimSize(1))
                  ? ShapedType::kDynamic
                  : w.getDimSize(1) * perByte;
  if (failed(verifyLinearShapes(*this, getInput(), n, k, getResult())))
    return failure();
  RankedTensorType s = getScales().getType();
  if (!compatible(s.getDimSize(0), n))
    return emitOpError() << "scales rows (" << dimStr(s.getDimSize(0))
                         << ") do not match the output features (" << dimStr(n)
                         << ")";
  if (!ShapedType::isDynamic(k)) {
    int64_t group = wspec.getGroupSize();
    if (group > 0 && k % group != 0)
      return emitOpError() << "group size " << group
                           << " does not divide the input features (" << k
                           << ")";
    int64_t groups = group > 0 ? k / group : 1;
    if (!compatible(s.getDimSize(1), groups))
      return emitOpError() << "scales must have " << groups
                           << " column(s) (one per group), got "
                           << dimStr(s.getDimSize(1));
  }
  if (wspec.getSymmetric() && getZeroPoints())
    return emitOpError("symmetric weights take no zero_points");
  if (!wspec.getSymmetric() && !getZeroPoints())
    return emitOpError("asymmetric weights need zero_points");
  if (Value zp = getZeroPoints())
    if (tensorType(zp).getShape() != s.getShape())
      return emitOpError("zero_points must have the scales' shape");
  if (Value bias = getBias())
    if (!compatible(tensorType(bias).getDimSize(0), n))
      return emitOpError("bias size does not match the output features");
  return success();
}
int64_t QLinearOp::getInFeatures() {
  int64_t packed = getWeight().getType().getDimSize(1);
  return ShapedType::isDynamic(packed)
             ? packed
             : packed * (8 / getWeightSpec().getBits());
}
int64_t QLinearOp::getOutFeatures() {
  return getWeight().getType().getDimSize(0);
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  RankedTensorType x = getInput().getType();
  if (x.getRank() != 4)
    return emitOpError() << "input must be [batch, seq, heads, head_dim], got rank "
                         << x.getRank();
  int64_t headDim = x.getDimSize(3);
  if (!ShapedType::isDynamic(headDim) && headDim % 2 != 0)
    return emitOpError() << "head_dim must be even, got " << headDim;
  int64_t half = ShapedType::isDynamic(headDim) ? headDim : headDim / 2;
  for (Value table : {getCos(), getSin()}) {
    RankedTensorType t = tensorType(table);
    if (t.getRank() != 2 && t.getRank() != 3)
      return emitOpError() << "cos/sin tables must be [seq, head_dim/2] or "
                              "[batch, seq, head_dim/2], got rank "
                           << t.getRank();
    if (!compatible(t.getShape().back(), half))
      return emitOpError() << "cos/sin tables must have head_dim/2 = "
                           << dimStr(half) << " columns, got "
                           << dimStr(t.getShape().back());
    if (!compatible(t.getShape()[t.getRank() - 2], x.getDimSize(1)))
      return emitOpError() << "cos/sin tables have "
                           << dimStr(t.getShape()[t.getRank() - 2])
                           << " positions but the input has "
                           << dimStr(x.getDimSize(1));
    if (t.getRank() == 3 && !compatible(t.getDimSize(0), x.getDimSize(0)))
      return emitOpError("cos/sin table batch does not match the input batch");
  }
  if (tensorType(getCos()) != tensorType(getSin()))
    return emitOpError("cos and sin tables must have the same type");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

double AttentionOp::getScaleOrDefault() {
  if (std::optional<APFloat> s = getScale())
    return s->convertToDouble();
  int64_t dh = getQuery().getType().getDimSize(3);
  return 1.0 / std::sqrt(static_cast<double>(dh));
}

LogicalResult AttentionOp::verify() {
  RankedTensorType q = getQuery().getType(), k = getKey().getType(),
                   v = getValue().getType();
  for (auto [t, name] : {std::pair{q, "query"}, {k, "key"}, {v, "value"}})
    if (t.getRank() != 4)
      return emitOpError() << name
                           << " must be [batch, seq, heads, head_dim], got rank "
                           << t.getRank();
  if (k.getShape() != v.getShape())
    return emitOpError("key and value must have the same shape");
  if (!compatible(q.getDimSize(0), k.getDimSize(0)))
    return emitOpError("query and key batch sizes differ");
  if (!compatible(q.getDimSize(3), k.getDimSize(3)))
    return emitOpError() << "query head_dim (" << dimStr(q.getDimSize(3))
                         << ") differs from key head_dim ("
                         << dimStr(k.getDimSize(3)) << ")";
  int64_t hq = q.getDimSize(2), hkv = k.getDimSize(2);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || hq % hkv != 0))
    return emitOpError() << "query heads (" << hq
                         << ") must be a multiple of KV heads (" << hkv << ")";
  if (ShapedType::isDynamic(q.getDimSize(3)) && !getScale())
    return emitOpError("a dynamic head_dim needs an explicit scale");
  if (std::optional<APFloat> s = getScale(); s && !(s->convertToDouble() > 0))
    return emitOpError("scale must be positive");
  if (Value mask = getMask()) {
    RankedTensorType m = tensorType(mask);
    if (m.getRank() != 2 && m.getRank() != 4)
      return emitOpError() << "mask must be [seq_q, seq_kv] or [batch, 1, "
                              "seq_q, seq_kv], got rank "
                           << m.getRank();
    int64_t r = m.getRank();
    if (!compatible(m.getDimSize(r - 2), q.getDimSize(1)) ||
        !compatible(m.getDimSize(r - 1), k.getDimSize(1)))
      return emitOpError("mask shape does not match [seq_q, seq_kv]");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  ArrayRef<int64_t> perm = getPermutation();
  if (static_cast<int64_t>(perm.size()) != in.getRank())
    return emitOpError() << "permutation has " << perm.size()
                         << " entries but the input has rank " << in.getRank();
  SmallVector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("permutation must be a permutation of [0, rank)");
    seen[p] = true;
  }
  if (out.getRank() != in.getRank() ||
      out.getElementType() != in.getElementType())
    return emitOpError("result must have the input's rank and element type");
  for (auto [i, p] : llvm::enumerate(perm))
    if (!compatible(out.getDimSize(i), in.getDimSize(p)))
      return emitOpError() << "result dimension " << i << " ("
                           << dimStr(out.getDimSize(i))
                           << ") must equal input dimension " << p << " ("
                           << dimStr(in.getDimSize(p)) << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Transform ops
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  auto type = cast<TransformTypeInterface>(getResult().getType());
  InitMethod method = getInit().getMethod();
  bool isScale = isa<ScaleType>(type);
  if (isScale && method != InitMethod::Ones && method != InitMethod::Identity)
    return emitOpError() << "a scale can only be initialized with 'ones', got '"
                         << stringifyInitMethod(method) << "'";
  if (!isScale && method == InitMethod::Ones)
    return emitOpError("'ones' initializes scales; use 'identity' for "
                       "rotations");
  if (getName().empty())
    return emitOpError("parameter name must not be empty");
  if (std::optional<ElementsAttr> value = getValue()) {
    auto valueType = cast<ShapedType>(value->getType());
    SmallVector<int64_t> expected = type.getStorageShape();
    if (valueType.getShape() != ArrayRef<int64_t>(expected)) {
      InFlightDiagnostic diag = emitOpError("value shape [");
      llvm::interleave(valueType.getShape(), diag, "x");
      diag << "] does not match the storage shape [";
      llvm::interleave(expected, diag, "x");
      return diag << "] of " << getResult().getType();
    }
    if (!valueType.getElementType().isF32())
      return emitOpError("parameter values are stored as f32");
  }
  return success();
}

LogicalResult RepeatHeadsOp::verify() {
  int64_t headDim = getHeadDim(), repeats = getRepeats();
  if (headDim <= 0 || repeats <= 0)
    return emitOpError() << "head_dim and repeats must be positive, got "
                         << headDim << " and " << repeats;
  auto in = cast<TransformTypeInterface>(getTransform().getType());
  auto out = cast<TransformTypeInterface>(getResult().getType());
  if (in.getDim() % headDim != 0)
    return emitOpError() << "head_dim " << headDim
                         << " does not divide the transform dimension "
                         << in.getDim();
  if (isa<ScaleType>(in) != isa<ScaleType>(out))
    return emitOpError("result must be the same kind of transform as the "
                       "input");
  if (out.getDim() != in.getDim() * repeats)
    return emitOpError() << "result dimension must be " << in.getDim() * repeats
                         << " (input dimension times repeats), got "
                         << out.getDim();
  if (auto block = dyn_cast<BlockRotationType>(in)) {
    if (block.getBlockSize() != headDim)
      return emitOpError() << "head_dim " << headDim
                           << " must equal the block size "
                           << block.getBlockSize();
    if (cast<BlockRotationType>(out).getBlockSize() != headDim)
      return emitOpError("result block size must equal head_dim");
  }
  return success();
}

LogicalResult ApplyOp::verify() {
  auto t = cast<TransformTypeInterface>(getTransform().getType());
  RankedTensorType x = getInput().getType();
  if (x.getRank() == 0)
    return emitOpError("input must have rank >= 1");
  if (!compatible(x.getShape().back(), t.getDim()))
    return emitOpError() << "transform acts on dimension " << t.getDim()
                         << " but the input's last dimension is "
                         << dimStr(x.getShape().back());
  return success();
}

LogicalResult TransformWeightOp::verify() {
  auto t = cast<TransformTypeInterface>(getTransform().getType());
  RankedTensorType w = getWeight().getType();
  bool input = getSide() == WeightSide::Input;
  if (w.getRank() == 1 && input)
    return emitOpError("a vector (bias) can only be transformed on the output "
                       "side");
  int64_t dim = input ? w.getDimSize(1) : w.getDimSize(0);
  if (!compatible(dim, t.getDim()))
    return emitOpError() << "transform acts on dimension " << t.getDim()
                         << " but the weight's "
                         << (input ? "input features are " : "output features are ")
                         << dimStr(dim);
  return success();
}

LogicalResult OnlineHadamardOp::verify() {
  RankedTensorType x = getInput().getType();
  if (x.getRank() == 0)
    return emitOpError("input must have rank >= 1");
  int64_t n = x.getShape().back();
  if (ShapedType::isDynamic(n))
    return emitOpError("the transformed (last) dimension must be static");
  if (!getHadamardFactor(n))
    return emitOpError() << "no Hadamard matrix of size " << n
                         << " is known: the size must be K*2^m with K one of "
                       << formatKnownHadamardOrders();
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization ops
//===----------------------------------------------------------------------===//

LogicalResult FakeQuantOp::verify() {
  if (failed(verifySpecForShape(*this, getSpec(), getInput().getType(),
                                "input")))
    return failure();
  FloatAttr clipAttr = getClipSearchAttr();
  if (!clipAttr)
    return success();
  std::optional<double> norm = clipAttr.getValueAsDouble();
  if (!(*norm > 0.0) || !std::isfinite(*norm))
    return emitOpError() << "clip_search must be a positive error exponent, "
                            "got "
                         << *norm;
  QuantSpecAttr spec = getSpec();
  bool rowWise = spec.getGranularity() == Granularity::PerToken ||
                 (spec.getGranularity() == Granularity::PerChannel &&
                  spec.getAxis() == 0 && getInput().getType().getRank() == 2);
  if (!rowWise)
    return emitOpError("clip_search needs contiguous scale groups: per_token, "
                       "or per_channel with axis = 0 on a rank-2 tensor");
  return success();
}

/// Shape of the scales of a per-token spec on `x`: x.shape[:-1] + [groups].
static LogicalResult verifyScalesShape(Operation *op, QuantSpecAttr spec,
                                       RankedTensorType x,
                                       RankedTensorType scales) {
  if (spec.getGranularity() != Granularity::PerToken)
    return op->emitOpError("runtime quantization must be per_token (optionally "
                           "with groups)");
  if (failed(verifySpecForShape(op, spec, x, "input")))
    return failure();
  if (scales.getRank() != x.getRank())
    return op->emitOpError() << "scales must have the input's rank ("
                             << x.getRank() << "), got " << scales.getRank();
  for (int64_t i = 0; i + 1 < x.getRank(); ++i)
    if (!compatible(x.getDimSize(i), scales.getDimSize(i)))
      return op->emitOpError() << "scales dimension " << i
                               << " does not match the input's";
  int64_t last = x.getShape().back();
  int64_t groups = ShapedType::kDynamic;
  if (spec.getGroupSize() == 0)
    groups = 1;
  else if (!ShapedType::isDynamic(last))
    groups = last / spec.getGroupSize();
  if (!compatible(scales.getShape().back(), groups))
    return op->emitOpError() << "scales must have " << dimStr(groups)
                             << " entries per token (one per group), got "
                             << dimStr(scales.getShape().back());
  return success();
}

static LogicalResult verifyLevelsType(Operation *op, QuantSpecAttr spec,
                                      RankedTensorType levels) {
  unsigned width = levels.getElementType().getIntOrFloatBitWidth();
  if (width < spec.getBits())
    return op->emitOpError() << "integer type i" << width << " cannot hold "
                             << spec.getBits() << "-bit levels";
  return success();
}

static LogicalResult verifyZeroPoints(Operation *op, QuantSpecAttr spec,
                                      Value zeroPoints,
                                      RankedTensorType scales) {
  if (spec.getSymmetric() && zeroPoints)
    return op->emitOpError("symmetric quantization has no zero_points");
  if (!spec.getSymmetric() && !zeroPoints)
    return op->emitOpError("asymmetric quantization needs zero_points");
  if (zeroPoints && tensorType(zeroPoints).getShape() != scales.getShape())
    return op->emitOpError("zero_points must have the scales' shape");
  return success();
}

LogicalResult DynamicQuantizeOp::verify() {
  RankedTensorType x = getInput().getType();
  if (getResult().getType().getShape() != x.getShape())
    return emitOpError("quantized result must have the input's shape");
  if (failed(verifyLevelsType(*this, getSpec(), getResult().getType())) ||
      failed(verifyScalesShape(*this, getSpec(), x, getScales().getType())))
    return failure();
  return verifyZeroPoints(*this, getSpec(), getZeroPoints(),
                          getScales().getType());
}

LogicalResult DequantizeOp::verify() {
  RankedTensorType q = getInput().getType();
  if (getResult().getType().getShape() != q.getShape())
    return emitOpError("result must have the input's shape");
  RankedTensorType resultAsFloat = getResult().getType();
  if (failed(verifyLevelsType(*this, getSpec(), q)) ||
      failed(verifyScalesShape(*this, getSpec(), resultAsFloat,
                               getScales().getType())))
    return failure();
  return verifyZeroPoints(*this, getSpec(), getZeroPoints(),
                          getScales().getType());
}
