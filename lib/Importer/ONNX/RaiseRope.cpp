//===- RaiseRope.cpp - decomposed rotate-half RoPE to ost.rope ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Hugging Face's rotary embedding, as exported:
//   q * cos + concat(-q[..., h:], q[..., :h]) * sin        (h = Dh / 2)
// with the halves taken by Slice or Split, and cos/sin [*, Dh] tables that
// are constants sliced to the sequence length, or gathered by position ids,
// then unsqueezed to broadcast against q. ost.rope wants [B, T, H, Dh] and
// half tables [T, Dh/2] (or [B, T, Dh/2]); a rotate-half table repeats its
// first half, which is checked at import time. q is usually [B, H, T, Dh]
// in the export: the rope is wrapped in ost.transpose pairs, which the
// canonicalizer cancels against the head transposes. GPT-J's
// rotate_every_two (strided Slices, stack, flatten) with interleaved tables
// ([c0, c0, c1, c1, ...]) becomes the interleaved layout.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cstring>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

/// Where a cos/sin operand of the multiplications comes from.
struct TraceResult {
  /// The constant table [1.., N, Dh] and its value.
  ElementsAttr table;
  Value tableValue;
  /// Symbolic number of rows after slicing (N when not sliced).
  SymDim rows = 0;
  /// Position ids [B, T] for a gathered table; null otherwise.
  Value ids;
  /// The axis of the 4-D broadcast (aligned to q) holding positions.
  int64_t posAxis = -1;
  /// The axis of the 4-D broadcast holding the batch (gathered tables).
  int64_t batchAxis = -1;
};

/// Follows a rows-table value back through Squeezes of leading unit dims
/// and Slices of the row axis starting at 0, to a constant. Returns the
/// constant's value.
Value traceRowsTable(ImportContext &ictx, Value v) {
  for (int guard = 0; guard < 16 && v; ++guard) {
    v = skipPassThrough(v);
    if (getConstantElements(v))
      return v;
    Operation *def = v.getDefiningOp();
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!def || !type)
      return {};
    Value in = getONNXInput(def, 0);
    auto inType = in ? dyn_cast<RankedTensorType>(in.getType()) : nullptr;
    if (!inType || inType.getRank() < 2)
      return {};
    if (isONNXOp(def, "Slice")) {
      int64_t rank = inType.getRank();
      std::optional<SliceParams> p = getSliceParams(ictx, def, rank);
      if (!p)
        return {};
      for (auto [i, axis] : llvm::enumerate(p->axes)) {
        bool full = p->starts[i].isLiteral(0) && !p->ends[i].isSymbol &&
                    p->ends[i].value >= inType.getDimSize(axis) &&
                    !inType.isDynamicDim(axis);
        if (p->steps[i] != 1 || !p->starts[i].isLiteral(0) ||
            (axis != rank - 2 && !full))
          return {};
      }
      v = in;
      continue;
    }
    if (isONNXOp(def, "Squeeze")) {
      // Only leading unit dims may go: [1, 1, N, Dh] -> [N, Dh].
      if (inType.getRank() < type.getRank() ||
          inType.getShape().take_back(type.getRank()) != type.getShape() ||
          !llvm::all_of(inType.getShape().drop_back(type.getRank()),
                        [](int64_t d) { return d == 1; }))
        return {};
      v = in;
      continue;
    }
    return {};
  }
  return {};
}

/// Traces the operand `t` multiplied with q (rank 4) to its table.
std::optional<TraceResult> traceTable(ImportContext &ictx, Value t) {
  // Collect the Unsqueezes on top, outermost first.
  SmallVector<Operation *> unsqueezes;
  Value base = skipPassThrough(t);
  while (Operation *u = getONNXDef(base, "Unsqueeze")) {
    unsqueezes.push_back(u);
    base = skipPassThrough(getONNXInput(u, 0));
  }
  if (!base)
    return std::nullopt;
  auto baseType = dyn_cast<RankedTensorType>(base.getType());
  if (!baseType)
    return std::nullopt;
  TraceResult r;
  // Axes of the base: [rows, Dh] or [batch, rows, Dh].
  SmallVector<int64_t> roles; // 0 rows, 1 Dh, 2 batch, 3 unit.
  if (Operation *gather = getONNXDef(base, "Gather");
      gather && normalizeAxis(getIntAttr(gather, "axis", 0), 2) == 0 &&
      baseType.getRank() == 3 && getONNXInput(gather, 0) &&
      getONNXInput(gather, 1)) {
    r.ids = getONNXInput(gather, 1);
    r.tableValue = traceRowsTable(ictx, getONNXInput(gather, 0));
    roles = {2, 0, 1};
  } else if (auto emb = base.getDefiningOp<EmbeddingOp>();
             emb && baseType.getRank() == 3) {
    r.ids = emb.getIds();
    r.tableValue = traceRowsTable(ictx, emb.getTable());
    roles = {2, 0, 1};
  } else {
    if (baseType.getRank() < 2)
      return std::nullopt;
    r.tableValue = traceRowsTable(ictx, base);
    // A constant [1.., N, Dh] broadcasts with its unit dims.
    for (int64_t i = 0; i + 2 < baseType.getRank(); ++i) {
      if (baseType.getDimSize(i) != 1)
        return std::nullopt;
      roles.push_back(3);
    }
    roles.push_back(0);
    roles.push_back(1);
  }
  if (!r.tableValue)
    return std::nullopt;
  r.table = getConstantElements(r.tableValue);
  if (r.ids) {
    auto idsType = dyn_cast<RankedTensorType>(r.ids.getType());
    if (!idsType || idsType.getRank() != 2 ||
        !isa<IntegerType>(idsType.getElementType()))
      return std::nullopt;
  } else {
    std::optional<SymShape> baseShape = ictx.getShape(base);
    if (!baseShape)
      return std::nullopt;
    r.rows = (*baseShape)[baseShape->size() - 2];
  }
  // Replay the Unsqueezes (innermost first).
  for (Operation *u : llvm::reverse(unsqueezes)) {
    auto outType = dyn_cast<RankedTensorType>(u->getResult(0).getType());
    if (!outType)
      return std::nullopt;
    std::optional<SmallVector<int64_t>> axes =
        getNormalizedAxes(u, outType.getRank());
    if (!axes)
      return std::nullopt;
    SmallVector<int64_t> &norm = *axes;
    if (static_cast<size_t>(outType.getRank()) != roles.size() + norm.size())
      return std::nullopt;
    SmallVector<int64_t> next;
    size_t k = 0;
    for (int64_t i = 0; i < outType.getRank(); ++i) {
      if (llvm::is_contained(norm, i)) {
        next.push_back(3);
        continue;
      }
      if (k >= roles.size())
        return std::nullopt;
      next.push_back(roles[k++]);
    }
    if (k != roles.size())
      return std::nullopt;
    roles = std::move(next);
  }
  if (roles.size() > 4 || roles.back() != 1)
    return std::nullopt;
  int64_t offset = 4 - roles.size();
  for (auto [i, role] : llvm::enumerate(roles)) {
    if (role == 0)
      r.posAxis = offset + i;
    else if (role == 2)
      r.batchAxis = offset + i;
  }
  if (r.posAxis != 1 && r.posAxis != 2)
    return std::nullopt;
  if (r.ids && r.batchAxis != 0)
    return std::nullopt;
  return r;
}

/// True if the slice `op` takes [start, end) of the last axis of a 4-D q
/// with unit steps.
bool isLastAxisSlice(ImportContext &ictx, Value v, Value &q, int64_t start,
                     int64_t end, int64_t dh) {
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (isONNXOp(op, "Split")) {
    q = skipPassThrough(getONNXInput(op, 0));
    auto type = q ? dyn_cast<RankedTensorType>(q.getType()) : nullptr;
    if (!type || type.getRank() != 4 || op->getNumResults() != 2 ||
        normalizeAxis(getIntAttr(op, "axis", 0), 4) != 3)
      return false;
    auto part = dyn_cast<RankedTensorType>(v.getType());
    unsigned index = cast<OpResult>(v).getResultNumber();
    return part && part.getRank() == 4 && part.getDimSize(3) == end - start &&
           (index == 0 ? start == 0 : start == dh - (end - start)) &&
           end - start == dh / 2;
  }
  if (!isONNXOp(op, "Slice"))
    return false;
  q = skipPassThrough(getONNXInput(op, 0));
  std::optional<SliceParams> p = getSliceParams(ictx, op, 4);
  if (!q || !p || p->axes.size() != 1 || p->axes[0] != 3 || p->steps[0] != 1 ||
      !p->starts[0].isLiteral(start) || p->ends[0].isSymbol)
    return false;
  int64_t e = p->ends[0].value;
  return end == dh ? e >= dh : e == end;
}

/// Matches concat(-q[..., h:], q[..., :h]) and returns q.
Value matchRotateHalf(ImportContext &ictx, Value rot) {
  Operation *concat = getONNXDef(skipPassThrough(rot), "Concat");
  if (!concat || getNumONNXInputs(concat) != 2)
    return {};
  auto type = dyn_cast<RankedTensorType>(concat->getResult(0).getType());
  if (!type || type.getRank() != 4 ||
      normalizeAxis(getIntAttr(concat, "axis", 0), 4) != 3 ||
      type.isDynamicDim(3) || type.getDimSize(3) % 2 != 0)
    return {};
  int64_t dh = type.getDimSize(3), h = dh / 2;
  Operation *neg = getONNXDef(skipPassThrough(getONNXInput(concat, 0)), "Neg");
  if (!neg)
    return {};
  Value q1, q2;
  if (!isLastAxisSlice(ictx, skipPassThrough(getONNXInput(neg, 0)), q2, h, dh,
                       dh) ||
      !isLastAxisSlice(ictx, skipPassThrough(getONNXInput(concat, 1)), q1, 0, h,
                       dh) ||
      q1 != q2)
    return {};
  return q1;
}

/// True if `v` is Slice(q, start, >= Dh, last axis, step 2) of a 4-D q.
bool isStrideTwoSlice(ImportContext &ictx, Value v, Value &q, int64_t start) {
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (!isONNXOp(op, "Slice"))
    return false;
  q = skipPassThrough(getONNXInput(op, 0));
  auto type = q ? dyn_cast<RankedTensorType>(q.getType()) : nullptr;
  std::optional<SliceParams> p = getSliceParams(ictx, op, 4);
  return type && type.getRank() == 4 && !type.isDynamicDim(3) && p &&
         p->axes.size() == 1 && p->axes[0] == 3 && p->steps[0] == 2 &&
         p->starts[0].isLiteral(start) && !p->ends[0].isSymbol &&
         p->ends[0].value >= type.getDimSize(3);
}

/// Matches GPT-J's rotate_every_two with strided slices:
///   flatten(stack(-q[..., 1::2], q[..., ::2], -1), -2)
/// (Unsqueeze + Concat, then a Reshape merging the last two axes) and
/// returns q.
Value matchRotateEveryTwo(ImportContext &ictx, Value rot) {
  rot = skipPassThrough(rot);
  Operation *reshape = getONNXDef(rot, "Reshape");
  Operation *concat =
      reshape ? getONNXDef(skipPassThrough(getONNXInput(reshape, 0)), "Concat")
              : nullptr;
  if (!concat || getNumONNXInputs(concat) != 2)
    return {};
  auto cType = dyn_cast<RankedTensorType>(concat->getResult(0).getType());
  if (!cType || cType.getRank() != 5 ||
      normalizeAxis(getIntAttr(concat, "axis", 0), 5) != 4)
    return {};
  // Each operand is an Unsqueeze on the last axis.
  Value parts[2];
  for (int i = 0; i < 2; ++i) {
    Operation *u =
        getONNXDef(skipPassThrough(getONNXInput(concat, i)), "Unsqueeze");
    if (!u)
      return {};
    std::optional<SmallVector<int64_t>> axes = getNormalizedAxes(u, 5);
    if (!axes || axes->size() != 1 || axes->front() != 4)
      return {};
    parts[i] = skipPassThrough(getONNXInput(u, 0));
  }
  Operation *neg = getONNXDef(parts[0], "Neg");
  Value q1, q2;
  if (!neg ||
      !isStrideTwoSlice(ictx, skipPassThrough(getONNXInput(neg, 0)), q2, 1) ||
      !isStrideTwoSlice(ictx, parts[1], q1, 0) || q1 != q2)
    return {};
  // The Reshape merges exactly the last two axes.
  std::optional<SymShape> in = ictx.getShape(concat->getResult(0)),
                          out = ictx.getShape(rot), qs = ictx.getShape(q1);
  if (!in || !out || !qs || *out != *qs)
    return {};
  std::optional<SmallVector<SmallVector<int64_t, 2>>> reassoc =
      reassociationFor(*in, *out);
  if (!reassoc || reassoc->size() != 4 || (*reassoc)[3].size() != 2 ||
      (*reassoc)[3][0] != 3)
    return {};
  return q1;
}

/// True if every row of a [.., N, Dh] constant repeats each value twice in
/// adjacent columns (an interleaved table).
bool pairsEqual(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(attr, storage);
  size_t width = type.getElementType().getIntOrFloatBitWidth() / 8;
  if (failed(bytes) || type.getRank() < 1 || width == 0 ||
      type.getShape().back() % 2 != 0)
    return false;
  for (size_t off = 0; off + 2 * width <= bytes->size(); off += 2 * width)
    if (std::memcmp(bytes->data() + off, bytes->data() + off + width, width))
      return false;
  return true;
}

/// Compares the two halves of every row of a [.., N, Dh] constant.
bool halvesEqual(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(attr, storage);
  if (failed(bytes) || type.getRank() < 1)
    return false;
  int64_t dh = type.getShape().back();
  size_t width = type.getElementType().getIntOrFloatBitWidth() / 8;
  if (dh % 2 != 0 || width == 0)
    return false;
  size_t rowBytes = dh * width, half = rowBytes / 2;
  for (size_t off = 0; off + rowBytes <= bytes->size(); off += rowBytes)
    if (std::memcmp(bytes->data() + off, bytes->data() + off + half, half))
      return false;
  return true;
}

} // namespace

Value mlir::ost::importer::createHalfTable(PatternRewriter &rewriter,
                                           ImportContext &ictx, Location loc,
                                           ElementsAttr full, StringRef name,
                                           bool interleaved) {
  auto type = cast<ShapedType>(full.getType());
  int64_t dh = type.getShape().back();
  int64_t rows = type.getNumElements() / std::max<int64_t>(1, dh);
  StringRef kind = interleaved ? "rope_even" : "rope_half";
  if (ElementsAttr cached = ictx.lookupDerived(full, kind)) {
    Value result =
        arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(cached));
    ictx.setShape(result, SymShape{rows, dh / 2});
    return result;
  }
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(full, storage);
  size_t width = type.getElementType().getIntOrFloatBitWidth() / 8;
  if (failed(bytes) || dh % 2 != 0)
    return {};
  std::vector<char> out;
  out.reserve(bytes->size() / 2);
  for (int64_t r = 0; r < rows; ++r) {
    const char *row = bytes->data() + r * dh * width;
    if (!interleaved) {
      out.insert(out.end(), row, row + dh / 2 * width);
      continue;
    }
    for (int64_t c = 0; c < dh; c += 2)
      out.insert(out.end(), row + c * width, row + (c + 1) * width);
  }
  auto halfType = RankedTensorType::get({rows, dh / 2}, type.getElementType());
  Value result = ictx.createConstant(rewriter, loc, halfType, out, name);
  ictx.recordDerived(
      full, kind,
      cast<ElementsAttr>(result.getDefiningOp<arith::ConstantOp>().getValue()));
  return result;
}

Value mlir::ost::importer::createRopeTable(PatternRewriter &rewriter,
                                           ImportContext &ictx, Location loc,
                                           Value half, Value x, Value ids) {
  auto halfType = cast<RankedTensorType>(half.getType());
  int64_t h = halfType.getDimSize(1);
  if (ids) {
    std::optional<SymShape> idsShape = ictx.getShape(ids);
    if (!idsShape)
      return {};
    SymShape shape = *idsShape;
    shape.push_back(h);
    return EmbeddingOp::create(rewriter, loc,
                               makeTensorType(shape, halfType.getElementType()),
                               half, ids);
  }
  auto xType = cast<RankedTensorType>(x.getType());
  if (!xType.isDynamicDim(1) && xType.getDimSize(1) == halfType.getDimSize(0))
    return half;
  SmallVector<OpFoldResult> offsets = {rewriter.getIndexAttr(0),
                                       rewriter.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes,
      strides = {rewriter.getIndexAttr(1), rewriter.getIndexAttr(1)};
  if (xType.isDynamicDim(1))
    sizes.push_back(createDimValue(rewriter, loc, x, 1));
  else
    sizes.push_back(rewriter.getIndexAttr(xType.getDimSize(1)));
  sizes.push_back(rewriter.getIndexAttr(h));
  auto type = RankedTensorType::get({xType.getDimSize(1), h},
                                    halfType.getElementType());
  Value slice = tensor::ExtractSliceOp::create(rewriter, loc, type, half,
                                               offsets, sizes, strides);
  if (std::optional<SymShape> xs = ictx.getShape(x))
    ictx.setShape(slice, SymShape{(*xs)[1], h});
  return slice;
}

namespace {

// Rotate-half RoPE.
//   %a = onnx.Mul(%q, %cos)        // %q : [B, H, T, Dh]
//   %r = onnx.Concat(onnx.Neg(onnx.Slice(%q, h:)), onnx.Slice(%q, :h))
//   %y = onnx.Add(%a, onnx.Mul(%r, %sin))
// ->
//   %t = ost.transpose %q [0, 2, 1, 3]
//   %c = tensor.extract_slice %cosHalf[0, 0] [T, h] [1, 1]   (or ost.embedding
//        of the half table by the position ids)
//   %y = ost.transpose (ost.rope %t, %c, %s) [0, 2, 1, 3]
struct RotateHalfRope final : CommutativeONNXPattern {
  RotateHalfRope(ImportContext &ictx)
      : CommutativeONNXPattern("Add", ictx, /*benefit=*/3) {}

  LogicalResult matchOrdered(Operation *op, Value a, Value b,
                             PatternRewriter &rewriter) const override {
    Value m1a, m1b, m2a, m2b;
    if (!matchMul(skipPassThrough(a), m1a, m1b) ||
        !matchMul(skipPassThrough(b), m2a, m2b))
      return failure();
    for (int s2 = 0; s2 < 2; ++s2, std::swap(m2a, m2b)) {
      RopeLayout layout = RopeLayout::RotateHalf;
      Value q = matchRotateHalf(ictx, m2a);
      if (!q) {
        q = matchRotateEveryTwo(ictx, m2a);
        layout = RopeLayout::Interleaved;
      }
      if (!q)
        continue;
      Value cosT;
      if (skipPassThrough(m1a) == q)
        cosT = m1b;
      else if (skipPassThrough(m1b) == q)
        cosT = m1a;
      else
        continue;
      return rewrite(op, rewriter, q, cosT, m2b, layout);
    }
    return failure();
  }

private:
  LogicalResult rewrite(Operation *op, PatternRewriter &rewriter, Value q,
                        Value cosT, Value sinT, RopeLayout layout) const {
    bool interleaved = layout == RopeLayout::Interleaved;
    auto fail = [&](const Twine &why) {
      ictx.noteFailure(op, "RoPE pattern matched but " + why);
      return failure();
    };
    auto qType = dyn_cast<RankedTensorType>(q.getType());
    std::optional<SymShape> qs = ictx.getShape(q);
    if (!qType || !qs || qs->size() != 4 ||
        !isa<FloatType>(qType.getElementType()))
      return failure();
    std::optional<TraceResult> c = traceTable(ictx, cosT),
                               s = traceTable(ictx, sinT);
    if (!c || !s)
      return fail("the cos/sin tables are not constants sliced to the "
                  "sequence length or gathered by position ids");
    if (c->posAxis != s->posAxis || c->ids != s->ids ||
        (!c->ids && c->rows != s->rows))
      return fail("the cos and sin tables are indexed differently");
    auto tType = cast<ShapedType>(c->table.getType());
    int64_t dh = qType.getDimSize(3);
    if (tType != cast<ShapedType>(s->table.getType()) ||
        tType.getShape().back() != dh ||
        tType.getElementType() != qType.getElementType())
      return fail("the cos/sin tables do not match the head size");
    int64_t posAxis = c->posAxis;
    SymDim seq = (*qs)[posAxis];
    if (c->ids) {
      std::optional<SymShape> ids = ictx.getShape(c->ids);
      if (!ids || (*ids)[1] != seq ||
          ((*ids)[0] != (*qs)[0] && !((*ids)[0] == 1 && (*qs)[0] == 1)))
        return fail("the position ids do not have the query's batch and "
                    "sequence sizes");
    } else if (c->rows != seq) {
      return fail("the tables have " + ictx.getDims().str(c->rows) +
                  " rows but the sequence has " + ictx.getDims().str(seq) +
                  " positions");
    }
    if (!interleaved && (!halvesEqual(c->table) || !halvesEqual(s->table)))
      return fail("a cos/sin table's two halves differ (not a rotate_half "
                  "table)");
    if (interleaved && (!pairsEqual(c->table) || !pairsEqual(s->table)))
      return fail("a cos/sin table does not repeat each value twice (not an "
                  "interleaved table)");

    Location loc = op->getLoc();
    // [B, H, T, Dh] -> [B, T, H, Dh] when positions are on axis 2.
    SmallVector<int64_t> perm = posAxis == 2 ? SmallVector<int64_t>{0, 2, 1, 3}
                                             : SmallVector<int64_t>{0, 1, 2, 3};
    Value x = createTranspose(rewriter, ictx, loc, q, perm);
    StringRef cName = getNodeName(c->tableValue.getDefiningOp());
    StringRef sName = getNodeName(s->tableValue.getDefiningOp());
    Value cosHalf = createHalfTable(
        rewriter, ictx, loc, c->table,
        (cName.empty() ? "rope_cos" : cName).str() + ".half", interleaved);
    Value sinHalf = createHalfTable(
        rewriter, ictx, loc, s->table,
        (sName.empty() ? "rope_sin" : sName).str() + ".half", interleaved);
    if (!cosHalf || !sinHalf)
      return fail("the cos/sin tables cannot be read");
    Value cosV = createRopeTable(rewriter, ictx, loc, cosHalf, x, c->ids);
    Value sinV = createRopeTable(rewriter, ictx, loc, sinHalf, x, c->ids);
    if (!cosV || !sinV)
      return failure();
    Value rope = RopeOp::create(rewriter, loc, x, cosV, sinV, layout);
    Value back = createTranspose(rewriter, ictx, loc, rope, perm);
    return replaceWithCast(rewriter, op, back);
  }
};

} // namespace

void mlir::ost::importer::populateRopePatterns(RewritePatternSet &patterns,
                                               ImportContext &ictx) {
  patterns.add<RotateHalfRope>(ictx);
}
