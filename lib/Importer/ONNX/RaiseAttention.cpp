//===- RaiseAttention.cpp - decomposed attention to ost.attention ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The exported attention of a decoder layer:
//   softmax(Q·Kᵀ / sqrt(Dh) + mask, -1) · V
// with Q, K, V in [B, H, T, Dh], K and V possibly repeated over the query
// heads (HF repeat_kv: Unsqueeze/Expand/Reshape, or a Gather of heads),
// the scale as Div or Mul by a constant, and the mask a constant causal
// mask sliced to [T, S] (→ `causal`) or any additive [T, S] / [B, 1, T, S]
// tensor (→ the `mask` operand). ost.attention does grouped-query attention
// itself, so the un-repeated K and V are used directly.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

/// Multiplies `scale` by the scalar constants `v` is multiplied or divided
/// by, and returns what remains.
Value stripScalars(Value v, double &scale) {
  for (int guard = 0; guard < 8 && v; ++guard) {
    v = skipPassThrough(v);
    Operation *def = v ? v.getDefiningOp() : nullptr;
    if (isONNXOp(def, "Div")) {
      std::optional<double> c = getScalarConstant(getONNXInput(def, 1));
      if (!c || *c == 0.0)
        return v;
      scale /= *c;
      v = getONNXInput(def, 0);
      continue;
    }
    Value a, b;
    if (isONNXOp(def, "Mul") && matchMul(v, a, b)) {
      if (std::optional<double> c = getScalarConstant(b)) {
        scale *= *c;
        v = a;
        continue;
      }
      if (std::optional<double> c = getScalarConstant(a)) {
        scale *= *c;
        v = b;
        continue;
      }
    }
    return v;
  }
  return v;
}

/// Undoes HF's repeat_kv on `x : [B, Hq, S, D]`: returns [B, Hkv, S, D] and
/// the repeat count (1 when `x` is not repeated).
Value stripRepeatKV(ImportContext &ictx, Value x, int64_t &rep) {
  rep = 1;
  x = skipPassThrough(x);
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!type || type.getRank() != 4 || type.isDynamicDim(1))
    return x;
  int64_t hq = type.getDimSize(1);
  // index_select over heads: Gather(k, [0, 0, 1, 1, ...], axis = 1).
  if (Operation *gather = getONNXDef(x, "Gather")) {
    Value k = skipPassThrough(getONNXInput(gather, 0));
    Value indices = getONNXInput(gather, 1);
    if (!k || !indices)
      return x;
    auto kType = dyn_cast<RankedTensorType>(k.getType());
    std::optional<SmallVector<int64_t>> idx = getIntConstant(indices);
    auto idxType = dyn_cast<RankedTensorType>(indices.getType());
    if (!kType || kType.getRank() != 4 || kType.isDynamicDim(1) || !idx ||
        !idxType || idxType.getRank() != 1 ||
        normalizeAxis(getIntAttr(gather, "axis", 0), 4) != 1)
      return x;
    int64_t hkv = kType.getDimSize(1);
    if (hkv <= 0 || hq % hkv != 0 || static_cast<int64_t>(idx->size()) != hq)
      return x;
    int64_t r = hq / hkv;
    for (int64_t j = 0; j < hq; ++j)
      if ((*idx)[j] != j / r)
        return x;
    rep = r;
    return k;
  }
  // k[:, :, None].expand(B, Hkv, r, S, D).reshape(B, Hkv * r, S, D).
  Operation *reshape = getONNXDef(x, "Reshape");
  Operation *expand =
      reshape ? getONNXDef(skipPassThrough(getONNXInput(reshape, 0)), "Expand")
              : nullptr;
  Operation *unsqueeze =
      expand ? getONNXDef(skipPassThrough(getONNXInput(expand, 0)), "Unsqueeze")
             : nullptr;
  if (!unsqueeze)
    return x;
  Value k = skipPassThrough(getONNXInput(unsqueeze, 0));
  if (!k)
    return x;
  std::optional<SymShape> ks = ictx.getShape(k),
                          us = ictx.getShape(unsqueeze->getResult(0)),
                          es = ictx.getShape(expand->getResult(0)),
                          rs = ictx.getShape(x);
  if (!ks || !us || !es || !rs || ks->size() != 4 || es->size() != 5)
    return x;
  SymShape k5 = {(*ks)[0], (*ks)[1], 1, (*ks)[2], (*ks)[3]};
  if (*us != k5)
    return x;
  int64_t r = (*es)[2];
  SymShape expanded = {(*ks)[0], (*ks)[1], r, (*ks)[2], (*ks)[3]};
  if (!isStaticDim(r) || r <= 0 || *es != expanded || !isStaticDim((*ks)[1]))
    return x;
  SymShape merged = {(*ks)[0], (*ks)[1] * r, (*ks)[2], (*ks)[3]};
  if (*rs != merged)
    return x;
  rep = r;
  return k;
}

/// Follows a mask back through leading Unsqueezes and Slices of its last two
/// axes starting at 0 to a constant; returns it.
ElementsAttr traceMaskConstant(ImportContext &ictx, Value mask) {
  Value v = skipPassThrough(mask);
  for (int guard = 0; guard < 16; ++guard) {
    if (ElementsAttr attr = getConstantElements(v))
      return attr;
    Operation *def = v.getDefiningOp();
    Value in = def ? getONNXInput(def, 0) : Value();
    auto inType = in ? dyn_cast<RankedTensorType>(in.getType()) : nullptr;
    if (!inType || inType.getRank() < 2)
      return {};
    int64_t rank = inType.getRank();
    if (isONNXOp(def, "Slice")) {
      std::optional<SliceParams> p = getSliceParams(ictx, def, rank);
      if (!p)
        return {};
      for (auto [i, axis] : llvm::enumerate(p->axes))
        if (p->steps[i] != 1 || !p->starts[i].isLiteral(0) || axis < rank - 2)
          return {};
    } else if (isONNXOp(def, "Unsqueeze")) {
      auto outType = dyn_cast<RankedTensorType>(v.getType());
      // Only leading unit dims may be added.
      if (!outType || outType.getShape().take_back(rank) != inType.getShape())
        return {};
    } else {
      return {};
    }
    v = skipPassThrough(in);
  }
  return {};
}

/// True if the constant [1.., N, M] is 0 on and below the diagonal and
/// at most -1e4 (or -inf) above it.
bool isCausalMask(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  if (type.getRank() < 2 || !type.hasStaticShape())
    return false;
  for (int64_t d : type.getShape().drop_back(2))
    if (d != 1)
      return false;
  FailureOr<std::vector<double>> values = getFloatElements(attr);
  if (failed(values))
    return false;
  int64_t n = type.getDimSize(type.getRank() - 2),
          m = type.getDimSize(type.getRank() - 1);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double x = (*values)[i * m + j];
      if (j <= i ? x != 0.0 : !(x <= -1e4))
        return false;
    }
  return true;
}

} // namespace

LogicalResult mlir::ost::importer::resolveAttentionMask(
    PatternRewriter &rewriter, ImportContext &ictx, Location loc, Value mask,
    SymDim batch, SymDim t, SymDim s, Type elementType, bool &causal,
    Value &operand, std::string &why) {
  DimSymbols &dims = ictx.getDims();
  std::optional<SymShape> ms = ictx.getShape(mask);
  auto mType = dyn_cast<RankedTensorType>(mask.getType());
  if (!ms || !mType || mType.getElementType() != elementType ||
      ms->size() < 2 || ms->size() > 4) {
    why = "the mask is not a float tensor of rank 2 to 4 with the query's "
          "element type";
    return failure();
  }
  SymDim mt = (*ms)[ms->size() - 2], msz = (*ms)[ms->size() - 1];
  if (mt != t || msz != s) {
    why = "the mask of shape " + dims.str(*ms) + " does not cover [" +
          dims.str(t) + ", " + dims.str(s) +
          "] (broadcast masks are not supported)";
    return failure();
  }
  ElementsAttr constant = traceMaskConstant(ictx, mask);
  bool leadingOnes = llvm::all_of(ArrayRef<SymDim>(*ms).drop_back(2),
                                  [](SymDim d) { return d == 1; });
  if (constant && leadingOnes && t == s && isCausalMask(constant)) {
    causal = true;
    return success();
  }
  if (ms->size() == 2 ||
      (ms->size() == 4 && (*ms)[1] == 1 &&
       ((*ms)[0] == batch || (batch == 1 && (*ms)[0] == 1)))) {
    operand = mask;
    return success();
  }
  if (leadingOnes) {
    SmallVector<ReassociationIndices> reassoc(1);
    for (size_t i = 0; i + 1 < ms->size(); ++i)
      reassoc[0].push_back(i);
    reassoc.push_back({static_cast<int64_t>(ms->size()) - 1});
    operand = tensor::CollapseShapeOp::create(rewriter, loc, mask, reassoc);
    ictx.setShape(operand, SymShape{t, s});
    return success();
  }
  why = "the mask of shape " + dims.str(*ms) + " is not [T, S] or [B, 1, T, S]";
  return failure();
}

namespace {

// Scaled dot-product attention.
//   %s = onnx.MatMul(%q, onnx.Transpose(%kr) {perm = [0, 1, 3, 2]})
//   %p = onnx.Softmax(onnx.Add(onnx.Div(%s, sqrt(Dh)), %mask)) {axis = -1}
//   %o = onnx.MatMul(%p, %vr)      // %kr, %vr: repeat_kv(%k), repeat_kv(%v)
// ->
//   %a = ost.attention (ost.transpose %q), (ost.transpose %k),
//        (ost.transpose %v) {causal} | mask %m
//   %o = ost.transpose %a [0, 2, 1, 3]
struct DecomposedAttention final : ONNXRewritePattern {
  DecomposedAttention(ImportContext &ictx)
      : ONNXRewritePattern("MatMul", ictx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value probs = getONNXInput(op, 0), vr = getONNXInput(op, 1);
    if (!probs || !vr || op->getNumResults() != 1)
      return failure();
    probs = skipPassThrough(probs);
    Operation *softmax = getONNXDef(probs, "Softmax");
    if (!softmax)
      return failure();
    Value logits = skipPassThrough(getONNXInput(softmax, 0));
    if (!logits)
      return failure();
    auto logitsType = dyn_cast<RankedTensorType>(logits.getType());
    if (!logitsType || logitsType.getRank() != 4)
      return failure();
    auto fail = [&](const Twine &why) {
      ictx.noteFailure(op, "attention pattern matched but " + why);
      return failure();
    };

    // logits = scores * scale (+ mask).
    double scale = 1.0;
    Value mask;
    Value a, b;
    Operation *qk = nullptr;
    if (matchAdd(logits, a, b)) {
      for (int swap = 0; swap < 2 && !qk; ++swap, std::swap(a, b)) {
        double s = 1.0;
        Value root = stripScalars(a, s);
        if (Operation *mm = getONNXDef(root, "MatMul")) {
          qk = mm;
          scale = s;
          mask = b;
        }
      }
    } else {
      Value root = stripScalars(logits, scale);
      qk = getONNXDef(root, "MatMul");
    }
    if (!qk)
      return failure();
    Value q = stripScalars(getONNXInput(qk, 0), scale);
    Value kt = stripScalars(getONNXInput(qk, 1), scale);
    if (!q || !kt)
      return failure();
    // Kᵀ is a transpose of K [B, H, S, D] ([0, 1, 3, 2]), or of another
    // layout, e.g. K [B, S, H, D] by [0, 2, 3, 1]; `kPerm` takes the
    // transposed value to [B, H, S, D].
    Value kr;
    SmallVector<int64_t> perm;
    if (!matchTranspose(kt, kr, perm) || perm.size() != 4)
      return failure();
    SmallVector<int64_t> kPerm = {perm[0], perm[1], perm[3], perm[2]};
    bool kDirect = kPerm == SmallVector<int64_t>{0, 1, 2, 3};
    kr = stripScalars(kr, scale);

    if (normalizeAxis(getIntAttr(softmax, "axis", -1), 4) != 3)
      return fail("the softmax is not over the last axis");
    if (!probs.hasOneUse() || !softmax->getResult(0).hasOneUse() ||
        !qk->getResult(0).hasOneUse())
      return fail("intermediate values (scores or probabilities) have other "
                  "uses");

    int64_t repK = 1, repV;
    Value k = kDirect ? stripRepeatKV(ictx, kr, repK) : kr;
    Value v = stripRepeatKV(ictx, vr, repV);
    if (repK != repV)
      return fail("K and V are repeated over the heads differently");
    auto qType = dyn_cast<RankedTensorType>(q.getType());
    auto kType = dyn_cast<RankedTensorType>(k.getType());
    auto vType = dyn_cast<RankedTensorType>(v.getType());
    std::optional<SymShape> qs = ictx.getShape(q), ks = ictx.getShape(k),
                            vs = ictx.getShape(v);
    if (!qType || !kType || !vType || !qs || !ks || !vs || qs->size() != 4 ||
        ks->size() != 4 || vs->size() != 4 ||
        !isa<FloatType>(qType.getElementType()) ||
        kType.getElementType() != qType.getElementType() ||
        vType.getElementType() != qType.getElementType())
      return failure();
    if (!kDirect) {
      SymShape permuted;
      for (int64_t p : kPerm)
        permuted.push_back((*ks)[p]);
      ks = permuted;
    }
    // Q [B, Hq, T, D], K and V [B, Hkv, S, D], Hq = Hkv * rep.
    SymDim batch = (*qs)[0], hq = (*qs)[1], t = (*qs)[2], dh = (*qs)[3];
    SymDim hkv = (*ks)[1], s = (*ks)[2];
    if ((*ks)[0] != batch || (*vs)[0] != batch || (*vs)[1] != hkv ||
        (*vs)[2] != s)
      return fail("Q, K and V disagree on the batch, heads or key length");
    if (!isStaticDim(dh) || (*ks)[3] != dh || (*vs)[3] != dh)
      return fail("Q, K and V need one static head size");
    // One KV head broadcast by the MatMuls over all query heads (multi-query
    // attention without repeat_kv) is grouped-query attention too.
    bool broadcastKV = repK == 1 && hkv == 1;
    if (!isStaticDim(hq) || !isStaticDim(hkv) ||
        (hkv * repK != hq && !broadcastKV))
      return fail("the query heads are not a multiple of the KV heads");

    // The scale, unless it is the default 1/sqrt(Dh) up to f32 rounding.
    FloatAttr scaleAttr;
    double defaultScale = 1.0 / std::sqrt(static_cast<double>(dh));
    if (!(scale > 0.0))
      return fail("the softmax scale is not positive");
    if (std::fabs(scale - defaultScale) > defaultScale * 0x1p-22)
      scaleAttr = rewriter.getF64FloatAttr(scale);

    // The mask: causal constant, or an explicit operand.
    bool causal = false;
    Value maskOperand;
    Location loc = op->getLoc();
    if (mask) {
      std::string why;
      if (failed(resolveAttentionMask(rewriter, ictx, loc, mask, batch, t, s,
                                      qType.getElementType(), causal,
                                      maskOperand, why)))
        return fail(why);
    }

    SmallVector<int64_t> toBTHD = {0, 2, 1, 3};
    Value query = createTranspose(rewriter, ictx, loc, q, toBTHD);
    // key[j] = K_bhsd[toBTHD[j]] = k[kPerm[toBTHD[j]]].
    SmallVector<int64_t> keyPerm;
    for (int64_t p : toBTHD)
      keyPerm.push_back(kPerm[p]);
    Value key = createTranspose(rewriter, ictx, loc, k, keyPerm);
    Value value = createTranspose(rewriter, ictx, loc, v, toBTHD);
    Value attn = AttentionOp::create(rewriter, loc, query.getType(), query, key,
                                     value, maskOperand, scaleAttr, causal);
    Value back = createTranspose(rewriter, ictx, loc, attn, toBTHD);
    return replaceWithCast(rewriter, op, back);
  }
};

} // namespace

void mlir::ost::importer::populateAttentionPatterns(RewritePatternSet &patterns,
                                                    ImportContext &ictx) {
  patterns.add<DecomposedAttention>(ictx);
}
