//===- ShapeComputations.cpp - stage-1 handlers of shape computations -----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Handlers of the ops that compute and apply shapes: Constant, Shape, Size,
// Gather, Unsqueeze, Squeeze, Concat, Cast, Reshape, Expand,
// ConstantOfShape, Range, Flatten, Slice, Split. Besides result types they
// evaluate small integer tensors symbolically (Shape(x)[0] is x's first
// dimension, a symbol when it is dynamic), so that a Reshape whose target is
// Concat(Unsqueeze(Gather(Shape(x), 0)), -1, 8, 8) gets the exact result
// shape [B, T, 8, 8] and its reassociation can be derived later.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <limits>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

std::optional<SmallVector<int64_t>>
mlir::ost::importer::literalInput(NodeBinder &b, unsigned i) {
  std::optional<SymInts> contents = b.getInputContents(i);
  if (!contents)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const SymInt &x : *contents) {
    if (x.isSymbol)
      return std::nullopt;
    out.push_back(x.value);
  }
  return out;
}

std::optional<SmallVector<int64_t>>
mlir::ost::importer::axesOf(NodeBinder &b, bool fromInput,
                            unsigned inputIndex) {
  if (!fromInput)
    return b.getIntsAttr("axes");
  if (!b.getInput(inputIndex))
    return std::nullopt;
  return literalInput(b, inputIndex);
}

std::optional<SmallVector<int64_t>>
mlir::ost::importer::normalizeAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t a : axes) {
    std::optional<int64_t> n = normalizeAxis(a, rank);
    if (!n || llvm::is_contained(out, *n))
      return std::nullopt;
    out.push_back(*n);
  }
  return out;
}

namespace {

using B = NodeBinder;

LogicalResult constantOp(B &b) {
  OpBuilder &builder = b.getBuilder();
  NamedAttrList &attrs = b.getAttributes();
  TypedAttr value;
  if (auto v = dyn_cast_or_null<ElementsAttr>(attrs.get("value"))) {
    value = cast<TypedAttr>(v);
  } else if (auto f = dyn_cast_or_null<FloatAttr>(attrs.get("value_float"))) {
    value = DenseElementsAttr::get(
        RankedTensorType::get({}, builder.getF32Type()), f.getValue());
  } else if (auto fs = dyn_cast_or_null<DenseF32ArrayAttr>(
                 attrs.get("value_floats"))) {
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(fs.size())},
                              builder.getF32Type()),
        fs.asArrayRef());
  } else if (auto i = dyn_cast_or_null<IntegerAttr>(attrs.get("value_int"))) {
    value = DenseElementsAttr::get(
        RankedTensorType::get({}, builder.getI64Type()), i.getValue());
  } else if (auto is =
                 dyn_cast_or_null<DenseI64ArrayAttr>(attrs.get("value_ints"))) {
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(is.size())},
                              builder.getI64Type()),
        is.asArrayRef());
  } else {
    b.noteUnsupported("constant without a supported value attribute "
                      "(strings and sparse tensors are not imported)");
    return b.createGenericOp();
  }
  auto type = cast<RankedTensorType>(value.getType());
  Value result = arith::ConstantOp::create(builder, b.getLoc(), type, value);
  ImportContext &ictx = b.getImportContext();
  ictx.setShape(result,
                SymShape(type.getShape().begin(), type.getShape().end()));
  b.setResultValues(result);
  return success();
}

LogicalResult shapeOp(B &b) {
  std::optional<SymShape> in = b.getInputShape(0);
  Type i64 = b.getBuilder().getI64Type();
  if (!in) {
    b.deriveResult(0, i64, SymShape{b.getImportContext().getDims().fresh()});
    return b.createGenericOp();
  }
  int64_t rank = in->size();
  int64_t start = b.getIntAttr("start", 0), end = b.getIntAttr("end", rank);
  auto clampIndex = [&](int64_t x) {
    if (x < 0)
      x += rank;
    return std::clamp<int64_t>(x, 0, rank);
  };
  start = clampIndex(start);
  end = clampIndex(end);
  SymInts contents;
  for (int64_t i = start; i < end; ++i)
    contents.push_back(SymInt::ofDim((*in)[i]));
  b.deriveResult(0, i64, SymShape{static_cast<SymDim>(contents.size())});
  b.setResultContents(0, contents);
  return b.createGenericOp();
}

LogicalResult sizeOp(B &b) {
  b.deriveResult(0, b.getBuilder().getI64Type(), SymShape{});
  if (std::optional<SymShape> in = b.getInputShape(0)) {
    int64_t n = 1;
    bool known = true;
    for (SymDim d : *in)
      known &=
          isStaticDim(d) && !llvm::MulOverflow(n, isStaticDim(d) ? d : 1, n);
    if (known)
      b.setResultContents(0, {SymInt::literal(n)});
  }
  return b.createGenericOp();
}

LogicalResult gatherOp(B &b) {
  b.setDefaultAttr("axis", b.getBuilder().getI64IntegerAttr(0));
  std::optional<SymShape> data = b.getInputShape(0), idx = b.getInputShape(1);
  std::optional<SymShape> out;
  if (data && idx) {
    if (std::optional<int64_t> axis =
            normalizeAxis(b.getIntAttr("axis", 0), data->size())) {
      out = SymShape(data->begin(), data->begin() + *axis);
      out->append(idx->begin(), idx->end());
      out->append(data->begin() + *axis + 1, data->end());
      std::optional<SymInts> contents = b.getInputContents(0);
      std::optional<SmallVector<int64_t>> indices = literalInput(b, 1);
      if (contents && indices && data->size() == 1 && *axis == 0) {
        SymInts picked;
        for (int64_t i : *indices) {
          int64_t n = contents->size();
          if (i < -n || i >= n) {
            picked.clear();
            break;
          }
          picked.push_back((*contents)[i < 0 ? i + n : i]);
        }
        if (picked.size() == indices->size())
          b.setResultContents(0, picked);
      }
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

/// Unsqueeze (axes attribute before opset 13, input after).
LogicalResult unsqueezeOp(B &b, bool axesFromInput) {
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SmallVector<int64_t>> axes = axesOf(b, axesFromInput, 1);
  std::optional<SymShape> out;
  if (in && axes) {
    int64_t rank = in->size() + axes->size();
    if (std::optional<SmallVector<int64_t>> norm = normalizeAxes(*axes, rank)) {
      out = SymShape();
      size_t next = 0;
      for (int64_t i = 0; i < rank; ++i)
        out->push_back(llvm::is_contained(*norm, i) ? 1 : (*in)[next++]);
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  if (std::optional<SymInts> c = b.getInputContents(0))
    b.setResultContents(0, *c);
  return b.createGenericOp();
}

/// Squeeze (axes attribute before opset 13, input after; none: all 1s).
LogicalResult squeezeOp(B &b, bool axesFromInput) {
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SymShape> out;
  if (in) {
    bool hasAxes = axesFromInput ? static_cast<bool>(b.getInput(1))
                                 : static_cast<bool>(b.getIntsAttr("axes"));
    std::optional<SmallVector<int64_t>> axes = axesOf(b, axesFromInput, 1);
    if (!hasAxes) {
      if (llvm::all_of(*in, isStaticDim)) {
        out = SymShape();
        for (SymDim d : *in)
          if (d != 1)
            out->push_back(d);
      }
    } else if (axes) {
      if (std::optional<SmallVector<int64_t>> norm =
              normalizeAxes(*axes, in->size())) {
        out = SymShape();
        for (auto [i, d] : llvm::enumerate(*in))
          if (!llvm::is_contained(*norm, static_cast<int64_t>(i)))
            out->push_back(d);
      }
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  if (std::optional<SymInts> c = b.getInputContents(0))
    b.setResultContents(0, *c);
  return b.createGenericOp();
}

LogicalResult concatOp(B &b) {
  std::optional<int64_t> axisAttr = b.getIntAttr("axis");
  SmallVector<SymShape> shapes;
  SymInts contents;
  bool allContents = true;
  for (unsigned i = 0; i < b.getNumInputs(); ++i) {
    std::optional<SymShape> s = b.getInputShape(i);
    if (!s)
      break;
    shapes.push_back(*s);
    if (std::optional<SymInts> c = b.getInputContents(i))
      contents.append(c->begin(), c->end());
    else
      allContents = false;
  }
  std::optional<SymShape> out;
  if (axisAttr && !shapes.empty() && shapes.size() == b.getNumInputs()) {
    int64_t rank = shapes.front().size();
    std::optional<int64_t> axis = normalizeAxis(*axisAttr, rank);
    bool ok = axis && llvm::all_of(shapes, [&](const SymShape &s) {
                return static_cast<int64_t>(s.size()) == rank;
              });
    if (ok) {
      out = shapes.front();
      int64_t sum = 0;
      SmallVector<SymDim> nonZero;
      for (const SymShape &s : shapes) {
        if (isStaticDim(s[*axis]))
          sum += s[*axis];
        else
          nonZero.push_back(s[*axis]);
      }
      if (nonZero.empty())
        (*out)[*axis] = sum;
      else if (nonZero.size() == 1 && sum == 0)
        (*out)[*axis] = nonZero.front();
      else
        (*out)[*axis] = b.getImportContext().getDims().fresh();
      if (allContents && rank == 1)
        b.setResultContents(0, contents);
    }
  } else if (!axisAttr) {
    b.noteUnsupported("Concat without the required 'axis' attribute");
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

LogicalResult castOp(B &b) {
  std::optional<int64_t> to = b.getIntAttr("to");
  Type elem = to ? convertElementType(b.getContext(), *to) : Type();
  b.deriveResult(0, elem, b.getInputShape(0));
  if (std::optional<SymInts> c = b.getInputContents(0))
    if (isa_and_nonnull<IntegerType>(elem) &&
        isa_and_nonnull<IntegerType>(b.getInputElementType(0)))
      b.setResultContents(0, *c);
  return b.createGenericOp();
}

LogicalResult reshapeOp(B &b) {
  if (b.getOpsetVersion() >= 14)
    b.setDefaultAttr("allowzero", b.getBuilder().getI64IntegerAttr(0));
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SymInts> target = b.getInputContents(1);
  std::optional<SymShape> out;
  if (in && target)
    out = reshapeShape(b.getImportContext().getDims(), *in, *target,
                       b.getIntAttr("allowzero", 0) != 0);
  else if (std::optional<SymShape> ts = b.getInputShape(1);
           ts && ts->size() == 1 && isStaticDim(ts->front())) {
    out = SymShape();
    for (int64_t i = 0; i < ts->front(); ++i)
      out->push_back(b.getImportContext().getDims().fresh());
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  if (std::optional<SymInts> c = b.getInputContents(0))
    b.setResultContents(0, *c);
  return b.createGenericOp();
}

LogicalResult expandOp(B &b) {
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SymInts> target = b.getInputContents(1);
  std::optional<SymShape> out;
  if (in && target) {
    SymShape t;
    bool ok = true;
    for (const SymInt &x : *target) {
      std::optional<SymDim> d = x.asDim();
      ok &= d.has_value();
      t.push_back(d.value_or(1));
    }
    if (ok)
      out = broadcastShapes(b.getImportContext().getDims(), {*in, t});
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

LogicalResult constantOfShapeOp(B &b) {
  Type elem = b.getBuilder().getF32Type();
  if (auto v = dyn_cast_or_null<ElementsAttr>(b.getAttributes().get("value")))
    elem = cast<ShapedType>(v.getType()).getElementType();
  std::optional<SymShape> out;
  if (std::optional<SymInts> target = b.getInputContents(0)) {
    out = SymShape();
    for (const SymInt &x : *target) {
      std::optional<SymDim> d = x.asDim();
      if (!d) {
        out.reset();
        break;
      }
      out->push_back(*d);
    }
  }
  b.deriveResult(0, elem, out);
  return b.createGenericOp();
}

/// Slice (attributes before opset 10, inputs after).
LogicalResult sliceOp(B &b, bool fromInputs) {
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SymInts> starts, ends;
  std::optional<SmallVector<int64_t>> axes, steps;
  auto literals = [](ArrayRef<int64_t> v) {
    SymInts out;
    for (int64_t x : v)
      out.push_back(SymInt::literal(x));
    return out;
  };
  if (fromInputs) {
    starts = b.getInputContents(1);
    ends = b.getInputContents(2);
    if (b.getInput(3))
      axes = literalInput(b, 3);
    if (b.getInput(4))
      steps = literalInput(b, 4);
  } else {
    if (auto s = b.getIntsAttr("starts"))
      starts = literals(*s);
    if (auto e = b.getIntsAttr("ends"))
      ends = literals(*e);
    axes = b.getIntsAttr("axes");
  }
  std::optional<SymShape> out;
  bool axesOk = fromInputs ? (!b.getInput(3) || axes) : true;
  bool stepsOk = !fromInputs || !b.getInput(4) || steps;
  if (in && starts && ends && starts->size() == ends->size() && axesOk &&
      stepsOk) {
    int64_t rank = in->size();
    SmallVector<int64_t> ax;
    if (axes)
      ax = *axes;
    else
      for (size_t i = 0; i < starts->size(); ++i)
        ax.push_back(i);
    std::optional<SmallVector<int64_t>> norm = normalizeAxes(ax, rank);
    if (norm && norm->size() == starts->size() &&
        (!steps || steps->size() == starts->size())) {
      out = *in;
      DimSymbols &dims = b.getImportContext().getDims();
      for (auto [k, axis] : llvm::enumerate(*norm)) {
        SymInt s = (*starts)[k], e = (*ends)[k];
        int64_t step = steps ? (*steps)[k] : 1;
        SymDim d = (*in)[axis];
        SymDim result = dims.fresh();
        if (step == 0) {
          out.reset();
          break;
        }
        if (isStaticDim(d) && !s.isSymbol && !e.isSymbol) {
          // The ONNX clamping rules, for a static dimension.
          auto clampIdx = [&](int64_t x, bool forStart) {
            if (x < 0)
              x = x < -d ? -1 : x + d;
            if (step > 0)
              return std::clamp<int64_t>(x, 0, d);
            return std::clamp<int64_t>(x, -1, d - 1);
          };
          int64_t lo = clampIdx(s.value, true), hi = clampIdx(e.value, false);
          int64_t n = step > 0 ? (hi - lo + step - 1) / step
                               : (lo - hi + (-step) - 1) / (-step);
          result = std::max<int64_t>(0, n);
        } else if (step == 1 && s.isLiteral(0) && !e.isSymbol &&
                   e.value >= std::numeric_limits<int32_t>::max()) {
          result = d; // The whole dimension.
        } else if (step == 1 && s.isLiteral(0) && e.isSymbol &&
                   (!isStaticDim(d) || d > 1)) {
          // [0, S) of a dimension N: min(S, N). Every use the importer
          // raises broadcasts the result against a dimension of size S, which
          // is only valid when S <= N, so S is exact there.
          result = e.value;
        }
        (*out)[axis] = result;
      }
      std::optional<SymInts> contents = b.getInputContents(0);
      if (out && contents && rank == 1 && isStaticDim((*in)[0]) &&
          isStaticDim((*out)[0]) && !(*starts)[0].isSymbol &&
          (!steps || (*steps)[0] == 1)) {
        int64_t d = (*in)[0];
        int64_t lo = (*starts)[0].value;
        lo = lo < 0 ? std::max<int64_t>(0, lo + d) : std::min(lo, d);
        SymInts picked(contents->begin() + lo,
                       contents->begin() + lo + (*out)[0]);
        b.setResultContents(0, picked);
      }
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

/// Split (sizes from an attribute before 13, an input after; 18 adds
/// num_outputs).
LogicalResult splitOp(B &b, bool sizesFromInput) {
  b.setDefaultAttr("axis", b.getBuilder().getI64IntegerAttr(0));
  std::optional<SymShape> in = b.getInputShape(0);
  unsigned n = b.getNumResults();
  if (in) {
    if (std::optional<int64_t> axis =
            normalizeAxis(b.getIntAttr("axis", 0), in->size())) {
      std::optional<SmallVector<int64_t>> sizes =
          sizesFromInput ? (b.getInput(1) ? literalInput(b, 1) : std::nullopt)
                         : b.getIntsAttr("split");
      SymDim d = (*in)[*axis];
      if (!sizes && isStaticDim(d) && n > 0) {
        // Equal parts; the last one smaller (opset 18 num_outputs).
        int64_t part = (d + n - 1) / n;
        sizes = SmallVector<int64_t>();
        for (unsigned i = 0; i < n; ++i)
          sizes->push_back(std::max<int64_t>(0, std::min(part, d - part * i)));
      }
      if (sizes && sizes->size() == n)
        for (unsigned i = 0; i < n; ++i) {
          SymShape s = *in;
          s[*axis] = (*sizes)[i] >= 0 ? (*sizes)[i]
                                      : b.getImportContext().getDims().fresh();
          b.deriveResult(i, b.getInputElementType(0), s);
        }
    }
  }
  for (unsigned i = 0; i < n; ++i)
    b.deriveResult(i, b.getInputElementType(0), std::nullopt);
  return b.createGenericOp();
}

LogicalResult flattenOp(B &b) {
  b.setDefaultAttr("axis", b.getBuilder().getI64IntegerAttr(1));
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SymShape> out;
  if (in) {
    int64_t rank = in->size(), axis = b.getIntAttr("axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis >= 0 && axis <= rank) {
      auto product = [&](ArrayRef<SymDim> dims) -> SymDim {
        int64_t p = 1;
        bool overflow = false;
        SmallVector<SymDim> syms;
        for (SymDim d : dims) {
          if (isStaticDim(d))
            overflow |= llvm::MulOverflow(p, d, p);
          else
            syms.push_back(d);
        }
        if (overflow)
          return b.getImportContext().getDims().fresh();
        if (syms.empty())
          return p;
        if (syms.size() == 1 && p == 1)
          return syms.front();
        return b.getImportContext().getDims().fresh();
      };
      out = SymShape{product(ArrayRef<SymDim>(*in).take_front(axis)),
                     product(ArrayRef<SymDim>(*in).drop_front(axis))};
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

LogicalResult rangeOp(B &b) {
  std::optional<SmallVector<int64_t>> start = literalInput(b, 0),
                                      limit = literalInput(b, 1),
                                      delta = literalInput(b, 2);
  SymDim n = b.getImportContext().getDims().fresh();
  if (start && limit && delta && start->size() == 1 && limit->size() == 1 &&
      delta->size() == 1 && (*delta)[0] != 0) {
    int64_t s = (*start)[0], l = (*limit)[0], d = (*delta)[0], span;
    // ceil((l - s) / d), unless the arithmetic overflows.
    if (!llvm::SubOverflow(l, s, span) &&
        !llvm::AddOverflow(span, d + (d > 0 ? -1 : 1), span))
      n = std::max<int64_t>(0, span / d);
  }
  b.deriveResult(0, b.getInputElementType(0), SymShape{n});
  return b.createGenericOp();
}

} // namespace

void mlir::ost::importer::registerShapeComputationHandlers(OpRegistry &r) {
  auto on = [&](StringRef op, int64_t since, NodeHandler fn) {
    r.onOp("", op, since, std::move(fn));
  };
  on("Constant", 1, constantOp);
  on("Shape", 1, shapeOp);
  on("Shape", 15, shapeOp);
  on("Size", 1, sizeOp);
  on("Gather", 1, gatherOp);
  on("Unsqueeze", 1, [](B &b) { return unsqueezeOp(b, false); });
  on("Unsqueeze", 13, [](B &b) { return unsqueezeOp(b, true); });
  on("Squeeze", 1, [](B &b) { return squeezeOp(b, false); });
  on("Squeeze", 13, [](B &b) { return squeezeOp(b, true); });
  on("Concat", 1, concatOp);
  on("Cast", 1, castOp);
  on("Reshape", 5, reshapeOp);
  on("Reshape", 14, reshapeOp);
  on("Expand", 8, expandOp);
  on("ConstantOfShape", 9, constantOfShapeOp);
  on("Range", 11, rangeOp);
  on("Flatten", 1, flattenOp);
  on("Slice", 1, [](B &b) { return sliceOp(b, false); });
  on("Slice", 10, [](B &b) { return sliceOp(b, true); });
  on("Split", 1, [](B &b) { return splitOp(b, false); });
  on("Split", 13, [](B &b) { return splitOp(b, true); });
}
