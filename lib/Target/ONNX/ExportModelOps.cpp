//===- ExportModelOps.cpp - model and tensor ops as ONNX nodes ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Constants become initializers (raw bytes, dense_resource blobs as they
// are); ost.embedding → Gather; ost.rms_norm → x / sqrt(mean(x·x) + ε) · γ;
// ost.linear / ost.lm_head → MatMul with the transposed weight; ost.rope →
// the pair rotation on Split halves (rotate_half) or on [.., Dh/2, 2]
// (interleaved); ost.attention → MatMul, scale, the causal mask (Trilu of
// −inf, end aligned), Softmax, MatMul, with KV heads repeated for GQA;
// silu, mul, add, transpose; tensor.dim → Shape(start, end),
// expand_shape / collapse_shape → Reshape, extract_slice → Slice.
//
//===----------------------------------------------------------------------===//

#include "Exporter.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::onnxexport;

std::optional<int32_t> mlir::ost::onnxexport::getDataType(Type elem) {
  if (elem.isF32())
    return kFloat;
  if (elem.isInteger(8))
    return kInt8;
  if (elem.isInteger(32))
    return kInt32;
  if (elem.isInteger(64))
    return kInt64;
  return std::nullopt;
}

FailureOr<std::vector<char>>
mlir::ost::onnxexport::getRawBytes(ElementsAttr attr, Operation *op) {
  auto type = cast<ShapedType>(attr.getType());
  size_t elemBytes = type.getElementTypeBitWidth() / 8;
  size_t count = static_cast<size_t>(type.getNumElements());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob) {
      op->emitError("dense_resource blob '")
          << resource.getRawHandle().getKey() << "' has no data";
      return failure();
    }
    ArrayRef<char> data = blob->getData();
    if (data.size() != count * elemBytes) {
      op->emitError("dense_resource blob of ")
          << data.size() << " bytes for " << count << " elements";
      return failure();
    }
    return std::vector<char>(data.begin(), data.end());
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense) {
    op->emitError("the onnx target cannot export this constant");
    return failure();
  }
  ArrayRef<char> data = dense.getRawData();
  if (!dense.isSplat())
    return std::vector<char>(data.begin(), data.end());
  std::vector<char> out;
  out.reserve(count * elemBytes);
  for (size_t i = 0; i < count; ++i)
    out.insert(out.end(), data.begin(), data.begin() + elemBytes);
  return out;
}

namespace {

RankedTensorType tensorType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// Reshape(x, shape) with allowzero = 1 (every size is explicit).
std::string reshape(GraphBuilder &b, const std::string &x,
                    const std::string &shape, StringRef hint) {
  onnx::NodeProto &n = b.node("Reshape", {x, shape}, hint);
  GraphBuilder::setInt(n, "allowzero", 1);
  return n.output(0);
}

/// A 1-D int64 shape tensor from per-dimension pieces: static sizes
/// (merged into constants) and 1-element dynamic sizes.
struct ShapePieces {
  std::vector<std::string> pieces;
  std::vector<int64_t> run;
  void addStatic(int64_t v) { run.push_back(v); }
  void addDynamic(GraphBuilder &b, const std::string &piece) {
    flush(b);
    pieces.push_back(piece);
  }
  void flush(GraphBuilder &b) {
    if (!run.empty())
      pieces.push_back(b.i64(run));
    run.clear();
  }
  std::string build(GraphBuilder &b, StringRef hint) {
    flush(b);
    return b.concatI64(pieces, hint);
  }
};

LogicalResult emitExpandShape(Exporter &e, tensor::ExpandShapeOp op) {
  FailureOr<std::string> src = e.get(op.getSrc(), op);
  if (failed(src))
    return failure();
  ShapePieces shape;
  unsigned dynamicIndex = 0;
  for (int64_t size : op.getStaticOutputShape()) {
    if (!ShapedType::isDynamic(size)) {
      shape.addStatic(size);
      continue;
    }
    FailureOr<std::string> dim =
        e.get(op.getOutputShape()[dynamicIndex++], op);
    if (failed(dim))
      return failure();
    shape.addDynamic(e.b, *dim);
  }
  std::string hint = e.hintFor(op);
  e.set(op.getResult(),
        reshape(e.b, *src, shape.build(e.b, hint + "_shape"), hint));
  return success();
}

LogicalResult emitCollapseShape(Exporter &e, tensor::CollapseShapeOp op) {
  FailureOr<std::string> src = e.get(op.getSrc(), op);
  if (failed(src))
    return failure();
  RankedTensorType srcType = op.getSrcType();
  ShapePieces shape;
  for (const ReassociationIndices &group : op.getReassociationIndices()) {
    int64_t product = 1;
    bool dynamic = false;
    for (int64_t d : group) {
      if (srcType.isDynamicDim(d))
        dynamic = true;
      else
        product *= srcType.getDimSize(d);
    }
    if (!dynamic) {
      shape.addStatic(product);
    } else if (group.size() == 1) {
      shape.addDynamic(e.b, e.b.dimOf(*src, group.front()));
    } else {
      onnx::NodeProto &slice = e.b.node("Shape", {*src}, *src + "_dims");
      GraphBuilder::setInt(slice, "start", group.front());
      GraphBuilder::setInt(slice, "end", group.back() + 1);
      onnx::NodeProto &prod =
          e.b.node("ReduceProd", {slice.output(0)}, *src + "_prod");
      GraphBuilder::setInt(prod, "keepdims", 1);
      shape.addDynamic(e.b, prod.output(0));
    }
  }
  std::string hint = e.hintFor(op);
  e.set(op.getResult(),
        reshape(e.b, *src, shape.build(e.b, hint + "_shape"), hint));
  return success();
}

LogicalResult emitExtractSlice(Exporter &e, tensor::ExtractSliceOp op) {
  FailureOr<std::string> src = e.get(op.getSource(), op);
  if (failed(src))
    return failure();
  RankedTensorType srcType = op.getSourceType();
  if (op.getType().getRank() != srcType.getRank())
    return op.emitError("the onnx target exports slices that keep the rank");
  for (int64_t stride : op.getStaticStrides())
    if (stride != 1)
      return op.emitError("the onnx target exports unit-stride slices only");
  ArrayRef<int64_t> offsets = op.getStaticOffsets();
  if (llvm::any_of(offsets, ShapedType::isDynamic))
    return op.emitError("the onnx target exports slices at constant offsets");
  ShapePieces ends;
  unsigned dynamicIndex = 0;
  for (auto [i, size] : llvm::enumerate(op.getStaticSizes())) {
    if (!ShapedType::isDynamic(size)) {
      ends.addStatic(offsets[i] + size);
      continue;
    }
    FailureOr<std::string> dim = e.get(op.getSizes()[dynamicIndex++], op);
    if (failed(dim))
      return failure();
    std::string end = *dim;
    if (offsets[i] != 0)
      end = e.b.op("Add", {end, e.b.i64({offsets[i]})}, *dim + "_end");
    ends.addDynamic(e.b, end);
  }
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < srcType.getRank(); ++i)
    axes.push_back(i);
  std::string hint = e.hintFor(op);
  e.set(op.getResult(),
        e.b.op("Slice",
               {*src, e.b.i64(offsets), ends.build(e.b, hint + "_ends"),
                e.b.i64(axes)},
               hint));
  return success();
}

LogicalResult emitDim(Exporter &e, tensor::DimOp op) {
  FailureOr<std::string> src = e.get(op.getSource(), op);
  if (failed(src))
    return failure();
  std::optional<int64_t> index = op.getConstantIndex();
  if (!index)
    return op.emitError("the onnx target needs a constant dimension index");
  e.set(op.getResult(), e.b.dimOf(*src, *index));
  return success();
}

/// MatMul(x, Wᵀ) (+ bias).
LogicalResult emitMatMulTransposed(Exporter &e, Operation *op, Value input,
                                   Value weight, Value bias) {
  FailureOr<std::string> x = e.get(input, op), w = e.get(weight, op);
  if (failed(x) || failed(w))
    return failure();
  std::string hint = e.hintFor(op);
  onnx::NodeProto &t = e.b.node("Transpose", {*w}, *w + "_t");
  GraphBuilder::setInts(t, "perm", {1, 0});
  std::string y = e.b.op("MatMul", {*x, t.output(0)}, hint);
  if (bias) {
    FailureOr<std::string> bv = e.get(bias, op);
    if (failed(bv))
      return failure();
    y = e.b.op("Add", {y, *bv}, hint + "_bias");
  }
  e.set(op->getResult(0), y);
  return success();
}

/// The runtime's arithmetic: the mean square and 1/sqrt(mean + ε) in
/// double, rounded to float once, then x·inv (·γ) in float. The 4-bit
/// activation quantizers after a norm round its output, so matching it
/// operation by operation keeps their levels equal.
LogicalResult emitRMSNorm(Exporter &e, RMSNormOp op) {
  FailureOr<std::string> x = e.get(op.getInput(), op);
  if (failed(x))
    return failure();
  std::string hint = e.hintFor(op);
  GraphBuilder &b = e.b;
  onnx::NodeProto &toDouble = b.node("Cast", {*x}, hint + "_f64");
  GraphBuilder::setInt(toDouble, "to", kDouble);
  std::string xd = toDouble.output(0);
  onnx::NodeProto &mean =
      b.node("ReduceMean", {b.op("Mul", {xd, xd}, hint + "_sq"), b.i64({-1})},
             hint + "_ms");
  GraphBuilder::setInt(mean, "keepdims", 1);
  std::string inv = b.op(
      "Reciprocal",
      {b.op("Sqrt",
            {b.op("Add", {mean.output(0), b.f64Scalar(op.getEpsilon().convertToDouble())},
                  hint + "_eps")},
            hint + "_rms")},
      hint + "_inv");
  onnx::NodeProto &toFloat = b.node("Cast", {inv}, hint + "_inv_f32");
  GraphBuilder::setInt(toFloat, "to", kFloat);
  std::string y = b.op("Mul", {*x, toFloat.output(0)}, hint + "_unit");
  if (Value weight = op.getWeight()) {
    FailureOr<std::string> w = e.get(weight, op);
    if (failed(w))
      return failure();
    y = b.op("Mul", {y, *w}, hint);
  }
  e.set(op.getResult(), y);
  return success();
}

LogicalResult emitRope(Exporter &e, RopeOp op) {
  FailureOr<std::string> x = e.get(op.getInput(), op);
  FailureOr<std::string> cosName = e.get(op.getCos(), op);
  FailureOr<std::string> sinName = e.get(op.getSin(), op);
  if (failed(x) || failed(cosName) || failed(sinName))
    return failure();
  RankedTensorType type = op.getInput().getType();
  int64_t headDim = type.getDimSize(3);
  if (ShapedType::isDynamic(headDim))
    return op.emitError("the onnx target needs a static head dimension");
  int64_t half = headDim / 2;
  GraphBuilder &b = e.b;
  std::string hint = e.hintFor(op);
  bool interleaved = op.getLayout() == RopeLayout::Interleaved;
  // Tables [T, Dh/2] or [B, T, Dh/2] against x [B, T, H, Dh/2(, 1)]: one
  // head axis (and a pair axis) inserted.
  std::vector<int64_t> axes = interleaved ? std::vector<int64_t>{-3, -1}
                                          : std::vector<int64_t>{-2};
  std::string c = b.op("Unsqueeze", {*cosName, b.i64(axes)}, hint + "_cos");
  std::string s = b.op("Unsqueeze", {*sinName, b.i64(axes)}, hint + "_sin");
  std::string input = *x;
  if (interleaved)
    input = reshape(b, *x,
                    b.concatI64({b.op("Slice",
                                      {b.shapeOf(*x), b.i64({0}), b.i64({3}),
                                       b.i64({0})},
                                      hint + "_lead"),
                                 b.i64({half, 2})},
                                hint + "_pairs_shape"),
                    hint + "_pairs");
  onnx::NodeProto &split =
      b.node("Split", {input, b.i64(interleaved ? std::vector<int64_t>{1, 1}
                                                : std::vector<int64_t>{half,
                                                                       half})},
             hint + "_half", 2);
  GraphBuilder::setInt(split, "axis", -1);
  std::string lo = split.output(0), hi = split.output(1);
  std::string newLo = b.op("Sub",
                           {b.op("Mul", {lo, c}, hint + "_lc"),
                            b.op("Mul", {hi, s}, hint + "_hs")},
                           hint + "_lo");
  std::string newHi = b.op("Add",
                           {b.op("Mul", {hi, c}, hint + "_hc"),
                            b.op("Mul", {lo, s}, hint + "_ls")},
                           hint + "_hi");
  onnx::NodeProto &cat = b.node("Concat", {newLo, newHi}, hint + "_cat");
  GraphBuilder::setInt(cat, "axis", -1);
  std::string y = cat.output(0);
  if (interleaved)
    y = reshape(b, y, b.shapeOf(*x), hint);
  e.set(op.getResult(), y);
  return success();
}

LogicalResult emitAttention(Exporter &e, AttentionOp op) {
  FailureOr<std::string> q = e.get(op.getQuery(), op),
                         k = e.get(op.getKey(), op),
                         v = e.get(op.getValue(), op);
  if (failed(q) || failed(k) || failed(v))
    return failure();
  RankedTensorType qType = op.getQuery().getType(),
                   kType = op.getKey().getType();
  int64_t hq = qType.getDimSize(2), hkv = kType.getDimSize(2),
          dh = qType.getDimSize(3);
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) ||
      ShapedType::isDynamic(dh))
    return op.emitError("the onnx target needs static head counts and head "
                        "dimension");
  GraphBuilder &b = e.b;
  std::string hint = e.hintFor(op);
  auto transpose = [&](const std::string &x, ArrayRef<int64_t> perm,
                       StringRef name) {
    onnx::NodeProto &n = b.node("Transpose", {x}, (hint + "_" + name).str());
    GraphBuilder::setInts(n, "perm", perm);
    return n.output(0);
  };
  std::string qt = transpose(*q, {0, 2, 1, 3}, "q");  // [B, Hq, T, Dh]
  std::string kt = transpose(*k, {0, 2, 3, 1}, "kT"); // [B, Hkv, Dh, S]
  std::string vt = transpose(*v, {0, 2, 1, 3}, "v");  // [B, Hkv, S, Dh]
  if (hq != hkv) {
    // Query head h reads KV head h / (Hq/Hkv): repeat each KV head.
    int64_t group = hq / hkv;
    auto repeat = [&](const std::string &x, int64_t rows, int64_t cols,
                      StringRef name) {
      std::string u = b.op("Unsqueeze", {x, b.i64({2})},
                           (hint + "_" + name + "_u").str());
      std::string ex = b.op("Expand", {u, b.i64({1, 1, group, 1, 1})},
                            (hint + "_" + name + "_rep").str());
      // [B, Hkv, g, a, b] → [B, Hq, a, b]; -1 is the dynamic one of a, b.
      onnx::NodeProto &r =
          b.node("Reshape", {ex, b.i64({0, hq, rows, cols})},
                 (hint + "_" + name + "_heads").str());
      GraphBuilder::setInt(r, "allowzero", 0);
      return r.output(0);
    };
    kt = repeat(kt, dh, -1, "k");
    vt = repeat(vt, -1, dh, "v");
  }
  std::string scores = b.op("MatMul", {qt, kt}, hint + "_qk");
  scores = b.op("Mul",
                {scores, b.f32Scalar(static_cast<float>(op.getScaleOrDefault()))},
                hint + "_scaled");
  if (Value mask = op.getMask()) {
    FailureOr<std::string> m = e.get(mask, op);
    if (failed(m))
      return failure();
    scores = b.op("Add", {scores, *m}, hint + "_masked");
  }
  if (op.getCausal()) {
    // Query t sees keys s ≤ t + (S − T): −inf where s − t ≥ S − T + 1.
    std::string t = b.dimOf(*q, 1), s = b.dimOf(*k, 1);
    onnx::NodeProto &full =
        b.node("ConstantOfShape", {b.concatI64({t, s}, hint + "_ts")},
               hint + "_ninf");
    GraphBuilder::setFloatTensor(full, "value",
                                 -std::numeric_limits<float>::infinity());
    std::string diag = b.op(
        "Squeeze",
        {b.op("Add", {b.op("Sub", {s, t}, hint + "_offset"), b.i64({1})},
              hint + "_diag1"),
         b.i64({0})},
        hint + "_diag");
    onnx::NodeProto &tri =
        b.node("Trilu", {full.output(0), diag}, hint + "_causal");
    GraphBuilder::setInt(tri, "upper", 1);
    scores = b.op("Add", {scores, tri.output(0)}, hint + "_causal_scores");
  }
  onnx::NodeProto &softmax = b.node("Softmax", {scores}, hint + "_p");
  GraphBuilder::setInt(softmax, "axis", -1);
  std::string out = b.op("MatMul", {softmax.output(0), vt}, hint + "_pv");
  e.set(op.getResult(), transpose(out, {0, 2, 1, 3}, "out"));
  return success();
}

template <typename OpT>
LogicalResult emitBinary(Exporter &e, OpT op, StringRef onnxOp) {
  FailureOr<std::string> l = e.get(op.getLhs(), op), r = e.get(op.getRhs(), op);
  if (failed(l) || failed(r))
    return failure();
  e.set(op.getResult(), e.b.op(onnxOp, {*l, *r}, e.hintFor(op)));
  return success();
}

} // namespace

LogicalResult mlir::ost::onnxexport::emitConstant(Exporter &e, Operation *op) {
  auto cst = cast<arith::ConstantOp>(op);
  // Index constants only feed tensor.dim (read as attributes there).
  if (cst.getType().isIndex())
    return success();
  auto attr = dyn_cast<ElementsAttr>(cst.getValue());
  auto type = tensorType(cst.getResult());
  std::optional<int32_t> dataType =
      type ? getDataType(type.getElementType()) : std::nullopt;
  if (!attr || !dataType || !type.hasStaticShape())
    return op->emitError("the onnx target exports f32, i8, i32 and i64 "
                         "tensor constants, not ")
           << cst.getType();
  FailureOr<std::vector<char>> raw = getRawBytes(attr, op);
  if (failed(raw))
    return failure();
  e.set(cst.getResult(),
        e.b.initializer("weight", *dataType, type.getShape(), *raw));
  return success();
}

LogicalResult mlir::ost::onnxexport::emitTensorOp(Exporter &e, Operation *op,
                                                  bool &handled) {
  handled = true;
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](tensor::DimOp dim) { return emitDim(e, dim); })
      .Case([&](tensor::ExpandShapeOp x) { return emitExpandShape(e, x); })
      .Case([&](tensor::CollapseShapeOp x) { return emitCollapseShape(e, x); })
      .Case([&](tensor::ExtractSliceOp x) { return emitExtractSlice(e, x); })
      .Default([&](Operation *) {
        handled = false;
        return success();
      });
}

LogicalResult mlir::ost::onnxexport::emitModelOp(Exporter &e, Operation *op,
                                                 bool &handled) {
  handled = true;
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](EmbeddingOp x) -> LogicalResult {
        FailureOr<std::string> table = e.get(x.getTable(), op),
                               ids = e.get(x.getIds(), op);
        if (failed(table) || failed(ids))
          return failure();
        onnx::NodeProto &n = e.b.node("Gather", {*table, *ids}, "embedding");
        GraphBuilder::setInt(n, "axis", 0);
        e.set(x.getResult(), n.output(0));
        return success();
      })
      .Case([&](RMSNormOp x) { return emitRMSNorm(e, x); })
      .Case([&](LinearOp x) {
        return emitMatMulTransposed(e, op, x.getInput(), x.getWeight(),
                                    x.getBias());
      })
      .Case([&](LMHeadOp x) {
        return emitMatMulTransposed(e, op, x.getInput(), x.getWeight(),
                                    Value());
      })
      .Case([&](RopeOp x) { return emitRope(e, x); })
      .Case([&](AttentionOp x) { return emitAttention(e, x); })
      .Case([&](SiLUOp x) -> LogicalResult {
        FailureOr<std::string> in = e.get(x.getInput(), op);
        if (failed(in))
          return failure();
        std::string hint = e.hintFor(op);
        e.set(x.getResult(),
              e.b.op("Mul", {*in, e.b.op("Sigmoid", {*in}, hint + "_sig")},
                     hint));
        return success();
      })
      .Case([&](MulOp x) { return emitBinary(e, x, "Mul"); })
      .Case([&](AddOp x) { return emitBinary(e, x, "Add"); })
      .Case([&](TransposeOp x) -> LogicalResult {
        FailureOr<std::string> in = e.get(x.getInput(), op);
        if (failed(in))
          return failure();
        onnx::NodeProto &n = e.b.node("Transpose", {*in}, e.hintFor(op));
        GraphBuilder::setInts(n, "perm", x.getPermutation());
        e.set(x.getResult(), n.output(0));
        return success();
      })
      .Default([&](Operation *) {
        handled = false;
        return success();
      });
}
