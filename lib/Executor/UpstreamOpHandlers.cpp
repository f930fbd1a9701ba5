//===- UpstreamOpHandlers.cpp - run arith, math and tensor ops ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The upstream ops an importer or a pass may leave around OST ops: constants
// (dense and dense_resource), elementwise float arithmetic on tensors, index
// arithmetic for dynamic shapes, and the tensor reshapes and slices.
//
//===----------------------------------------------------------------------===//

#include "ExecutorImpl.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Endian.h"

#include <cstring>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

//===----------------------------------------------------------------------===//
// Element decoding
//===----------------------------------------------------------------------===//

namespace {

float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

uint32_t floatToBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

/// IEEE binary16 to float32 (exact).
float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu;
  if (exp == 0x1F)
    return bitsToFloat(sign | 0x7F800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0)
      return bitsToFloat(sign);
    // Subnormal: normalize the mantissa.
    int32_t e = -1;
    do {
      mant <<= 1;
      ++e;
    } while (!(mant & 0x400u));
    return bitsToFloat(sign | uint32_t(127 - 15 - e) << 23 |
                       ((mant & 0x3FFu) << 13));
  }
  return bitsToFloat(sign | (exp + 112) << 23 | (mant << 13));
}

/// Decodes `count` elements of `type` from little-endian raw storage; with
/// `splat`, the raw data holds one element repeated everywhere.
FailureOr<Tensor> decodeRaw(ArrayRef<char> raw, Type type,
                            ArrayRef<int64_t> shape, bool splat,
                            Operation *op) {
  int64_t count = ShapedType::getNumElements(shape);
  unsigned width = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
  size_t bytes = width / 8;
  size_t expected = splat ? bytes : bytes * count;
  if (raw.size() != expected)
    return emitOpError(op) << "constant data has " << raw.size()
                           << " bytes, expected " << expected << " for "
                           << formatShape(shape) << " x " << type;
  auto at = [&](int64_t i) { return raw.data() + (splat ? 0 : i * bytes); };
  if (isa<FloatType>(type)) {
    Tensor t = Tensor::uninitialized(shape);
    float *out = t.getFloatData();
    if (type.isF32() && !splat) {
      std::memcpy(out, raw.data(), count * sizeof(float));
      return t;
    }
    for (int64_t i = 0; i < count; ++i) {
      const char *p = at(i);
      if (type.isF32())
        out[i] = bitsToFloat(llvm::support::endian::read32le(p));
      else if (type.isF64())
        out[i] = static_cast<float>(
            llvm::bit_cast<double>(llvm::support::endian::read64le(p)));
      else if (type.isF16())
        out[i] = halfToFloat(llvm::support::endian::read16le(p));
      else // bf16
        out[i] = bitsToFloat(uint32_t(llvm::support::endian::read16le(p))
                             << 16);
    }
    return t;
  }
  IntFormat format = getIntFormat(type);
  Tensor t = Tensor::uninitialized(shape, format.dtype, format.width);
  for (int64_t i = 0; i < count; ++i) {
    const char *p = at(i);
    int64_t v = 0;
    switch (bytes) {
    case 1:
      v = static_cast<int8_t>(*p);
      break;
    case 2:
      v = static_cast<int16_t>(llvm::support::endian::read16le(p));
      break;
    case 4:
      v = static_cast<int32_t>(llvm::support::endian::read32le(p));
      break;
    default:
      v = static_cast<int64_t>(llvm::support::endian::read64le(p));
      break;
    }
    t.setInt(i, v);
  }
  return t;
}

/// True if raw storage of `type` is plain little-endian bytes we decode.
bool hasRawLayout(Type type) {
  if (type.isIndex())
    return true;
  if (type.isF32() || type.isF64() || type.isF16() || type.isBF16())
    return true;
  if (auto i = dyn_cast<IntegerType>(type))
    return llvm::is_contained({8u, 16u, 32u, 64u}, i.getWidth());
  return false;
}

/// Rounds every element to the precision of float type `type` (truncf).
void roundToType(Tensor &t, FloatType type) {
  MutableArrayRef<float> values = t.getFloats();
  if (type.isF32() || type.getWidth() >= 32)
    return;
  if (type.isBF16()) {
    for (float &v : values) {
      if (std::isnan(v))
        continue;
      uint32_t bits = floatToBits(v);
      bits += 0x7FFFu + ((bits >> 16) & 1u);
      v = bitsToFloat(bits & 0xFFFF0000u);
    }
    return;
  }
  for (float &v : values) {
    bool lost;
    APFloat a(v);
    a.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    a.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    v = a.convertToFloat();
  }
}

} // namespace

IntFormat mlir::ost::detail::getIntFormat(Type elementType) {
  unsigned width =
      elementType.isIndex() ? 64 : elementType.getIntOrFloatBitWidth();
  return IntFormat{width <= 8 ? DType::I8 : DType::I64, width};
}

FailureOr<Tensor> mlir::ost::detail::loadElements(ElementsAttr attr,
                                                  Operation *op) {
  auto type = cast<ShapedType>(attr.getType());
  if (!type.hasStaticShape())
    return emitOpError(op) << "constant of dynamic shape " << type;
  Type elem = type.getElementType();
  if (!isa<FloatType>(elem) && !isa<IntegerType, IndexType>(elem))
    return emitOpError(op) << "unsupported constant element type " << elem;
  ArrayRef<int64_t> shape = type.getShape();

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    DenseResourceElementsHandle handle = resource.getRawHandle();
    AsmResourceBlob *blob = handle.getBlob();
    if (!blob)
      return emitOpError(op) << "dense_resource blob '" << handle.getKey()
                             << "' has no data";
    if (!hasRawLayout(elem))
      return emitOpError(op) << "unsupported dense_resource element type "
                             << elem;
    return decodeRaw(blob->getData(), elem, shape, /*splat=*/false, op);
  }

  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return emitOpError(op) << "unsupported elements attribute "
                           << attr.getAbstractAttribute().getName();
  if (hasRawLayout(elem))
    return decodeRaw(dense.getRawData(), elem, shape, dense.isSplat(), op);
  // Other widths (i1, i4, f8 types): element by element.
  if (isa<FloatType>(elem)) {
    Tensor t(shape);
    for (auto [i, v] : llvm::enumerate(dense.getValues<APFloat>())) {
      bool lost;
      APFloat f = v;
      f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      t.getFloatData()[i] = f.convertToFloat();
    }
    return t;
  }
  IntFormat format = getIntFormat(elem);
  Tensor t(shape, format.dtype, format.width);
  bool isBool = elem.isInteger(1);
  for (auto [i, v] : llvm::enumerate(dense.getValues<APInt>()))
    t.setInt(i, isBool ? int64_t(v.getZExtValue()) : v.getSExtValue());
  return t;
}

//===----------------------------------------------------------------------===//
// Op handlers
//===----------------------------------------------------------------------===//

namespace {

/// Resolves mixed static/dynamic sizes (OpFoldResults) to integers.
FailureOr<SmallVector<int64_t>> resolve(ArrayRef<OpFoldResult> mixed,
                                        const OperandValues &in) {
  SmallVector<int64_t> out;
  for (OpFoldResult ofr : mixed) {
    if (auto attr = dyn_cast<Attribute>(ofr)) {
      out.push_back(cast<IntegerAttr>(attr).getInt());
      continue;
    }
    FailureOr<int64_t> v = in.integer(cast<Value>(ofr));
    if (failed(v))
      return failure();
    out.push_back(*v);
  }
  return out;
}

/// A copy of `t` with shape `shape` (same number of elements).
LogicalResult pushReshaped(Operation *op, const Tensor &t,
                           ArrayRef<int64_t> shape,
                           SmallVectorImpl<RuntimeValue> &results) {
  Tensor copy = t;
  if (!copy.reshape(shape))
    return emitOpError(op) << "cannot reshape " << t.getShapeString()
                           << " into " << formatShape(shape);
  results.push_back(RuntimeValue::ofTensor(std::move(copy)));
  return success();
}

LogicalResult pushKernel(Operation *op, KernelResult result,
                         SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<Tensor> t = unwrap(op, std::move(result));
  if (failed(t))
    return failure();
  results.push_back(RuntimeValue::ofTensor(std::move(*t)));
  return success();
}

LogicalResult runConstant(arith::ConstantOp op,
                          SmallVectorImpl<RuntimeValue> &results) {
  Attribute value = op.getValue();
  if (auto elements = dyn_cast<ElementsAttr>(value)) {
    FailureOr<Tensor> t = loadElements(elements, op);
    if (failed(t))
      return failure();
    results.push_back(RuntimeValue::ofTensor(std::move(*t)));
    return success();
  }
  if (auto i = dyn_cast<IntegerAttr>(value)) {
    results.push_back(RuntimeValue::ofInt(i.getValue().getSExtValue()));
    return success();
  }
  if (auto f = dyn_cast<FloatAttr>(value)) {
    results.push_back(RuntimeValue::ofFloat(f.getValueAsDouble()));
    return success();
  }
  return emitOpError(op) << "unsupported constant " << value;
}

/// Elementwise float binary op on tensors (or float scalars).
LogicalResult runBinary(Operation *op, BinaryOp kind, const OperandValues &in,
                        SmallVectorImpl<RuntimeValue> &results,
                        const OpContext &ctx) {
  const RuntimeValue *a = in.lookup(op->getOperand(0));
  const RuntimeValue *b = in.lookup(op->getOperand(1));
  if (a && b && a->getFloat() && b->getFloat()) {
    double x = *a->getFloat(), y = *b->getFloat();
    double r = kind == BinaryOp::Add   ? x + y
               : kind == BinaryOp::Sub ? x - y
               : kind == BinaryOp::Mul ? x * y
                                       : x / y;
    results.push_back(RuntimeValue::ofFloat(r));
    return success();
  }
  FailureOr<const Tensor *> x = in.tensor(op->getOperand(0)),
                            y = in.tensor(op->getOperand(1));
  if (failed(x) || failed(y))
    return failure();
  return pushKernel(op, binary(kind, **x, **y, ctx.kernel), results);
}

LogicalResult runUnary(Operation *op, UnaryOp kind, const OperandValues &in,
                       SmallVectorImpl<RuntimeValue> &results,
                       const OpContext &ctx) {
  FailureOr<const Tensor *> x = in.tensor(op->getOperand(0));
  if (failed(x))
    return failure();
  return pushKernel(op, unary(kind, **x, ctx.kernel), results);
}

/// Integer (index) scalar arithmetic for dynamic shapes.
LogicalResult runIndexBinary(Operation *op, const OperandValues &in,
                             SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<int64_t> a = in.integer(op->getOperand(0)),
                     b = in.integer(op->getOperand(1));
  if (failed(a) || failed(b))
    return failure();
  bool isDiv = isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp>(op);
  if (isDiv && *b == 0)
    return emitOpError(op) << "division by zero";
  int64_t r = llvm::TypeSwitch<Operation *, int64_t>(op)
                  .Case([&](arith::AddIOp) { return *a + *b; })
                  .Case([&](arith::SubIOp) { return *a - *b; })
                  .Case([&](arith::MulIOp) { return *a * *b; })
                  .Case([&](arith::DivSIOp) { return *a / *b; })
                  .Case([&](arith::DivUIOp) {
                    return int64_t(uint64_t(*a) / uint64_t(*b));
                  })
                  .Default([&](Operation *) { return *a % *b; });
  results.push_back(RuntimeValue::ofInt(r));
  return success();
}

LogicalResult runExtractSlice(tensor::ExtractSliceOp op,
                              const OperandValues &in,
                              SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<const Tensor *> src = in.tensor(op.getSource());
  FailureOr<SmallVector<int64_t>> offsets = resolve(op.getMixedOffsets(), in);
  FailureOr<SmallVector<int64_t>> sizes = resolve(op.getMixedSizes(), in);
  FailureOr<SmallVector<int64_t>> strides = resolve(op.getMixedStrides(), in);
  if (failed(src) || failed(offsets) || failed(sizes) || failed(strides))
    return failure();
  KernelResult slice = extractSlice(**src, *offsets, *sizes, *strides);
  FailureOr<Tensor> t = unwrap(op, std::move(slice));
  if (failed(t))
    return failure();
  // Rank-reducing slices drop unit dimensions.
  llvm::SmallBitVector dropped = op.getDroppedDims();
  SmallVector<int64_t> shape;
  for (auto [d, size] : llvm::enumerate(*sizes))
    if (!dropped.test(d))
      shape.push_back(size);
  return pushReshaped(op, *t, shape, results);
}

LogicalResult runExpandShape(tensor::ExpandShapeOp op, const OperandValues &in,
                             SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<const Tensor *> src = in.tensor(op.getSrc());
  FailureOr<SmallVector<int64_t>> shape = resolve(op.getMixedOutputShape(), in);
  if (failed(src) || failed(shape))
    return failure();
  for (auto [i, group] : llvm::enumerate(op.getReassociationIndices())) {
    int64_t product = 1;
    for (int64_t d : group)
      product *= (*shape)[d];
    if (product != (*src)->getDimSize(i))
      return emitOpError(op) << "output shape " << formatShape(*shape)
                             << " does not expand source "
                             << (*src)->getShapeString();
  }
  return pushReshaped(op, **src, *shape, results);
}

LogicalResult runCollapseShape(tensor::CollapseShapeOp op,
                               const OperandValues &in,
                               SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<const Tensor *> src = in.tensor(op.getSrc());
  if (failed(src))
    return failure();
  SmallVector<int64_t> shape;
  for (const ReassociationIndices &group : op.getReassociationIndices()) {
    int64_t product = 1;
    for (int64_t d : group)
      product *= (*src)->getDimSize(d);
    shape.push_back(product);
  }
  return pushReshaped(op, **src, shape, results);
}

LogicalResult runReshape(tensor::ReshapeOp op, const OperandValues &in,
                         SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<const Tensor *> src = in.tensor(op.getSource());
  FailureOr<const Tensor *> shapeTensor = in.tensor(op.getShape());
  if (failed(src) || failed(shapeTensor))
    return failure();
  if (!(*shapeTensor)->isInteger())
    return emitOpError(op) << "the shape operand must hold integers";
  SmallVector<int64_t> shape;
  for (int64_t i = 0, e = (*shapeTensor)->getNumElements(); i < e; ++i)
    shape.push_back((*shapeTensor)->getInt(i));
  return pushReshaped(op, **src, shape, results);
}

LogicalResult runEmpty(tensor::EmptyOp op, const OperandValues &in,
                       SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<SmallVector<int64_t>> shape = resolve(op.getMixedSizes(), in);
  if (failed(shape))
    return failure();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
    return emitOpError(op) << "negative size in " << formatShape(*shape);
  Type elem = op.getType().getElementType();
  if (isa<FloatType>(elem)) {
    results.push_back(RuntimeValue::ofTensor(Tensor(*shape)));
    return success();
  }
  IntFormat format = getIntFormat(elem);
  results.push_back(
      RuntimeValue::ofTensor(Tensor(*shape, format.dtype, format.width)));
  return success();
}

} // namespace

LogicalResult
mlir::ost::detail::executeUpstreamOp(Operation *operation,
                                     ArrayRef<RuntimeValue> operands,
                                     SmallVectorImpl<RuntimeValue> &results,
                                     const OpContext &ctx) {
  OperandValues in(operation, operands);
  auto forward = [&](Value v) -> LogicalResult {
    const RuntimeValue *value = in.lookup(v);
    if (!value)
      return emitUnsupported(operation);
    results.push_back(*value);
    return success();
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(operation)
      .Case([&](arith::ConstantOp op) { return runConstant(op, results); })
      .Case([&](arith::AddFOp op) {
        return runBinary(op, BinaryOp::Add, in, results, ctx);
      })
      .Case([&](arith::SubFOp op) {
        return runBinary(op, BinaryOp::Sub, in, results, ctx);
      })
      .Case([&](arith::MulFOp op) {
        return runBinary(op, BinaryOp::Mul, in, results, ctx);
      })
      .Case([&](arith::DivFOp op) {
        return runBinary(op, BinaryOp::Div, in, results, ctx);
      })
      .Case([&](arith::NegFOp op) {
        return runUnary(op, UnaryOp::Neg, in, results, ctx);
      })
      .Case([&](math::SqrtOp op) {
        return runUnary(op, UnaryOp::Sqrt, in, results, ctx);
      })
      .Case([&](math::RsqrtOp op) {
        return runUnary(op, UnaryOp::Rsqrt, in, results, ctx);
      })
      .Case([&](math::ExpOp op) {
        return runUnary(op, UnaryOp::Exp, in, results, ctx);
      })
      .Case([&](arith::ExtFOp op) {
        if (!isa<TensorType>(op.getType()))
          return emitUnsupported(op);
        return forward(op.getIn());
      })
      .Case([&](arith::TruncFOp op) -> LogicalResult {
        auto type = dyn_cast<TensorType>(op.getType());
        if (!type)
          return emitUnsupported(op);
        FailureOr<const Tensor *> x = in.tensor(op.getIn());
        if (failed(x))
          return failure();
        Tensor rounded = **x;
        roundToType(rounded, cast<FloatType>(type.getElementType()));
        results.push_back(RuntimeValue::ofTensor(std::move(rounded)));
        return success();
      })
      .Case([&](arith::SIToFPOp op) -> LogicalResult {
        FailureOr<const Tensor *> x = in.tensor(op.getIn());
        if (failed(x))
          return failure();
        if (!(*x)->isInteger())
          return emitOpError(op) << "expects an integer tensor";
        Tensor out = Tensor::uninitialized((*x)->getShape());
        for (int64_t i = 0, e = out.getNumElements(); i < e; ++i)
          out.getFloatData()[i] = static_cast<float>((*x)->getInt(i));
        results.push_back(RuntimeValue::ofTensor(std::move(out)));
        return success();
      })
      .Case<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::DivSIOp,
            arith::DivUIOp, arith::RemSIOp>([&](Operation *op) {
        return runIndexBinary(op, in, results);
      })
      .Case<arith::IndexCastOp, arith::IndexCastUIOp>([&](Operation *op) {
        FailureOr<int64_t> v = in.integer(op->getOperand(0));
        if (failed(v))
          return failure();
        results.push_back(RuntimeValue::ofInt(*v));
        return success();
      })
      .Case([&](tensor::DimOp op) -> LogicalResult {
        FailureOr<const Tensor *> src = in.tensor(op.getSource());
        FailureOr<int64_t> index = in.integer(op.getIndex());
        if (failed(src) || failed(index))
          return failure();
        if (*index < 0 || *index >= (*src)->getRank())
          return emitOpError(op) << "dimension " << *index
                                 << " is out of range for "
                                 << (*src)->getShapeString();
        results.push_back(RuntimeValue::ofInt((*src)->getDimSize(*index)));
        return success();
      })
      .Case([&](tensor::CastOp op) { return forward(op.getSource()); })
      .Case([&](tensor::EmptyOp op) { return runEmpty(op, in, results); })
      .Case([&](tensor::ExpandShapeOp op) {
        return runExpandShape(op, in, results);
      })
      .Case([&](tensor::CollapseShapeOp op) {
        return runCollapseShape(op, in, results);
      })
      .Case([&](tensor::ReshapeOp op) { return runReshape(op, in, results); })
      .Case([&](tensor::ExtractSliceOp op) {
        return runExtractSlice(op, in, results);
      })
      .Case([&](tensor::ConcatOp op) -> LogicalResult {
        SmallVector<const Tensor *> inputs;
        for (Value v : op.getInputs()) {
          FailureOr<const Tensor *> t = in.tensor(v);
          if (failed(t))
            return failure();
          inputs.push_back(*t);
        }
        return pushKernel(op, concat(inputs, op.getDim()), results);
      })
      .Default([&](Operation *op) { return emitUnsupported(op); });
}
