//===- RaiseFused.cpp - fused norm, rotary and attention ops --------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The fused forms optimized exports contain, mapped exactly or reported:
//   RMSNormalization (opset 23), SimplifiedLayerNormalization (ORT, both
//   domains)                              -> ost.rms_norm
//   com.microsoft.SkipSimplifiedLayerNormalization
//                                         -> ost.add + ost.rms_norm
//   com.microsoft.RotaryEmbedding         -> ost.rope (interleaved attribute
//                                            -> layout)
//   com.microsoft.Attention (packed QKV)  -> 3 ost.linear + ost.attention
//   Attention (opset 23)                  -> ost.attention
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

/// True if results [from, end) of `op` are unused.
bool unusedFrom(Operation *op, unsigned from) {
  for (Value r : op->getResults().drop_front(from))
    if (!r.use_empty())
      return false;
  return true;
}

/// [B, S, N*H] -> [B, S, N, H] (a tensor.expand_shape).
Value splitHeads(PatternRewriter &rewriter, ImportContext &ictx, Location loc,
                 Value x, int64_t heads, int64_t headDim) {
  auto type = cast<RankedTensorType>(x.getType());
  std::optional<SymShape> xs = ictx.getShape(x);
  if (!xs || xs->size() != 3)
    return {};
  SymShape out = {(*xs)[0], (*xs)[1], heads, headDim};
  RankedTensorType outType = makeTensorType(out, type.getElementType());
  SmallVector<OpFoldResult> sizes = {
      type.isDynamicDim(0) ? OpFoldResult(createDimValue(rewriter, loc, x, 0))
                           : rewriter.getIndexAttr(type.getDimSize(0)),
      type.isDynamicDim(1) ? OpFoldResult(createDimValue(rewriter, loc, x, 1))
                           : rewriter.getIndexAttr(type.getDimSize(1)),
      rewriter.getIndexAttr(heads), rewriter.getIndexAttr(headDim)};
  Value result = tensor::ExpandShapeOp::create(
      rewriter, loc, outType, x,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}, sizes);
  ictx.setShape(result, out);
  return result;
}

/// [B, S, N, H] -> [B, S, N*H].
Value mergeHeads(PatternRewriter &rewriter, ImportContext &ictx, Location loc,
                 Value x) {
  Value result = tensor::CollapseShapeOp::create(
      rewriter, loc, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  if (std::optional<SymShape> xs = ictx.getShape(x))
    if (isStaticDim((*xs)[2]) && isStaticDim((*xs)[3]))
      ictx.setShape(result, SymShape{(*xs)[0], (*xs)[1], (*xs)[2] * (*xs)[3]});
  return result;
}

// RMSNormalization / SimplifiedLayerNormalization over the last axis.
//   %y = onnx.RMSNormalization(%x, %scale) {axis = -1, epsilon = 1e-5}
// ->
//   %y = ost.rms_norm %x weight %scale {epsilon = 1e-5}
struct FusedRMSNorm final : ONNXRewritePattern {
  FusedRMSNorm(StringRef type, ImportContext &ictx)
      : ONNXRewritePattern(type, ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x = getONNXInput(op, 0), scale = getONNXInput(op, 1);
    auto xType = x ? dyn_cast<RankedTensorType>(x.getType()) : nullptr;
    if (!xType || xType.getRank() == 0 ||
        !isa<FloatType>(xType.getElementType()))
      return failure();
    auto fail = [&](const Twine &why) {
      ictx.noteFailure(op, why);
      return failure();
    };
    if (normalizeAxis(getIntAttr(op, "axis", -1), xType.getRank()) !=
        xType.getRank() - 1)
      return fail("normalization over more than the last axis is not "
                  "supported");
    if (!unusedFrom(op, 1))
      return fail("the statistics outputs are used");
    double eps = getFloatAttr(op, "epsilon").value_or(1e-5);
    if (!(eps > 0))
      return fail("epsilon must be positive");
    int64_t d = xType.getShape().back();
    Value weight;
    if (scale) {
      weight = ShapedType::isDynamic(d)
                   ? Value()
                   : asVector(rewriter, op->getLoc(), scale, d,
                              xType.getElementType());
      if (!weight)
        return fail("the scale is not a vector over the last axis");
    }
    auto norm = RMSNormOp::create(rewriter, op->getLoc(), x, weight, eps);
    Value result =
        castIfNeeded(rewriter, op->getLoc(), norm, op->getResult(0).getType());
    if (!result)
      return failure();
    rewriter.replaceAllUsesWith(op->getResult(0), result);
    eraseWithDeadProducers(rewriter, op);
    return success();
  }
};

// SkipSimplifiedLayerNormalization without bias.
//   %y, _, _, %sum = onnx.com.microsoft.SkipSimplifiedLayerNormalization(
//                        %x, %skip, %gamma)
// ->
//   %sum = ost.add %x, %skip   %y = ost.rms_norm %sum weight %gamma
struct FusedSkipRMSNorm final : ONNXRewritePattern {
  FusedSkipRMSNorm(ImportContext &ictx)
      : ONNXRewritePattern("com.microsoft.SkipSimplifiedLayerNormalization",
                           ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x = getONNXInput(op, 0), skip = getONNXInput(op, 1),
          gamma = getONNXInput(op, 2);
    auto xType = x ? dyn_cast<RankedTensorType>(x.getType()) : nullptr;
    if (!xType || !skip || !gamma || xType.getRank() == 0 ||
        !isa<FloatType>(xType.getElementType()))
      return failure();
    auto fail = [&](const Twine &why) {
      ictx.noteFailure(op, why);
      return failure();
    };
    if (getONNXInput(op, 3))
      return fail("the bias input is not supported");
    if (skip.getType() != x.getType() ||
        ictx.getShape(skip) != ictx.getShape(x))
      return fail("the skip input does not have the input's shape");
    if (op->getNumResults() > 1 && !op->getResult(1).use_empty())
      return fail("the mean output is used");
    if (op->getNumResults() > 2 && !op->getResult(2).use_empty())
      return fail("the inv_std_var output is used");
    double eps = getFloatAttr(op, "epsilon").value_or(1e-5);
    int64_t d = xType.getShape().back();
    Value weight = ShapedType::isDynamic(d)
                       ? Value()
                       : asVector(rewriter, op->getLoc(), gamma, d,
                                  xType.getElementType());
    if (!weight || !(eps > 0))
      return fail("gamma is not a vector over the last axis or epsilon is "
                  "not positive");
    Location loc = op->getLoc();
    Value sum = AddOp::create(rewriter, loc, x, skip);
    Value norm = RMSNormOp::create(rewriter, loc, sum, weight, eps);
    SmallVector<Value> replacements(op->getNumResults(), Value());
    replacements[0] =
        castIfNeeded(rewriter, loc, norm, op->getResult(0).getType());
    if (op->getNumResults() > 3)
      replacements[3] =
          castIfNeeded(rewriter, loc, sum, op->getResult(3).getType());
    for (auto [i, r] : llvm::enumerate(replacements)) {
      if (i == 1 || i == 2)
        continue;
      if (!r)
        return failure();
      rewriter.replaceAllUsesWith(op->getResult(i), r);
    }
    eraseWithDeadProducers(rewriter, op);
    return success();
  }
};

// ONNX Runtime's RotaryEmbedding.
//   %y = onnx.com.microsoft.RotaryEmbedding(%x, %pos, %cos, %sin)
//        {interleaved = 0}        // %x : [B, S, N*H] or [B, N, S, H]
// ->
//   %y = ost.rope %x', (ost.embedding %cos[%pos]), ... {layout = rotate_half}
//   (with expand/collapse or transposes around it)
struct FusedRotaryEmbedding final : ONNXRewritePattern {
  FusedRotaryEmbedding(ImportContext &ictx)
      : ONNXRewritePattern("com.microsoft.RotaryEmbedding", ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x = getONNXInput(op, 0), pos = getONNXInput(op, 1),
          cosCache = getONNXInput(op, 2), sinCache = getONNXInput(op, 3);
    auto xType = x ? dyn_cast<RankedTensorType>(x.getType()) : nullptr;
    auto cType =
        cosCache ? dyn_cast<RankedTensorType>(cosCache.getType()) : nullptr;
    if (!xType || !pos || !cType || !sinCache ||
        cosCache.getType() != sinCache.getType())
      return failure();
    auto fail = [&](const Twine &why) {
      ictx.noteFailure(op, "RotaryEmbedding with " + why + " is not supported");
      return failure();
    };
    if (getIntAttr(op, "is_packed_batching", 0) != 0)
      return fail("is_packed_batching");
    if (getFloatAttr(op, "scale").value_or(1.0) != 1.0)
      return fail("a position scale other than 1");
    if (cType.getRank() != 2 || cType.isDynamicDim(1) ||
        cType.getElementType() != xType.getElementType())
      return fail("cos/sin caches that are not [max_seq, head_size/2]");
    int64_t headDim = 2 * cType.getDimSize(1);
    int64_t rotary = getIntAttr(op, "rotary_embedding_dim", 0);
    if (rotary != 0 && rotary != headDim)
      return fail("a partial rotary_embedding_dim");
    Location loc = op->getLoc();
    std::optional<SymShape> xs = ictx.getShape(x);
    if (!xs)
      return failure();
    bool threeD = xType.getRank() == 3;
    int64_t heads = 0;
    SymShape bthdShape;
    if (threeD) {
      int64_t hidden = xType.getDimSize(2);
      if (ShapedType::isDynamic(hidden) || hidden % headDim != 0)
        return fail("a hidden size that is not a multiple of the head size");
      heads = hidden / headDim;
      if (int64_t n = getIntAttr(op, "num_heads", 0); n != 0 && n != heads)
        return fail("num_heads inconsistent with the caches");
      bthdShape = {(*xs)[0], (*xs)[1], heads, headDim};
    } else if (xType.getRank() == 4 && xType.getDimSize(3) == headDim) {
      bthdShape = {(*xs)[0], (*xs)[2], (*xs)[1], headDim};
    } else {
      return fail("an input that is not [B, S, hidden] or [B, N, S, H]");
    }

    // Positions: ids [B, S], or a one-element start offset.
    Value ids;
    int64_t offset = -1;
    auto pType = dyn_cast<RankedTensorType>(pos.getType());
    if (pType && pType.getRank() == 2) {
      std::optional<SymShape> ps = ictx.getShape(pos);
      if (!ps || (*ps)[1] != bthdShape[1] ||
          ((*ps)[0] != bthdShape[0] && !((*ps)[0] == 1 && bthdShape[0] == 1)))
        return fail("position ids that are not [batch, seq]");
      ids = pos;
    } else if (std::optional<SmallVector<int64_t>> start = getIntConstant(pos);
               start && start->size() == 1 && (*start)[0] >= 0) {
      offset = (*start)[0];
    } else {
      return fail("non-constant scalar position offsets");
    }
    Value bthd = threeD ? splitHeads(rewriter, ictx, loc, x, heads, headDim)
                        : createTranspose(rewriter, ictx, loc, x, {0, 2, 1, 3});
    Value tables[2];
    for (auto [i, cache] :
         llvm::enumerate(SmallVector<Value>{cosCache, sinCache})) {
      if (ids) {
        tables[i] = createRopeTable(rewriter, ictx, loc, cache, bthd, ids);
      } else if (offset == 0) {
        tables[i] = createRopeTable(rewriter, ictx, loc, cache, bthd, Value());
      } else {
        auto bType = cast<RankedTensorType>(bthd.getType());
        SmallVector<OpFoldResult> offsets = {rewriter.getIndexAttr(offset),
                                             rewriter.getIndexAttr(0)};
        SmallVector<OpFoldResult> sizes = {
            bType.isDynamicDim(1)
                ? OpFoldResult(createDimValue(rewriter, loc, bthd, 1))
                : rewriter.getIndexAttr(bType.getDimSize(1)),
            rewriter.getIndexAttr(headDim / 2)};
        SmallVector<OpFoldResult> strides = {rewriter.getIndexAttr(1),
                                             rewriter.getIndexAttr(1)};
        tables[i] = tensor::ExtractSliceOp::create(
            rewriter, loc,
            RankedTensorType::get({bType.getDimSize(1), headDim / 2},
                                  cType.getElementType()),
            cache, offsets, sizes, strides);
      }
    }
    RopeLayout layout = getIntAttr(op, "interleaved", 0)
                            ? RopeLayout::Interleaved
                            : RopeLayout::RotateHalf;
    Value rope =
        RopeOp::create(rewriter, loc, bthd, tables[0], tables[1], layout);
    Value back = threeD
                     ? mergeHeads(rewriter, ictx, loc, rope)
                     : createTranspose(rewriter, ictx, loc, rope, {0, 2, 1, 3});
    return replaceWithCast(rewriter, op, back);
  }
};

/// Columns [from, from + n) of a constant [K, total] matrix, as the
/// transposed [n, K] weight of a linear layer.
Value sliceColumnsTransposed(PatternRewriter &rewriter, ImportContext &ictx,
                             Location loc, ElementsAttr w, int64_t from,
                             int64_t n, StringRef name) {
  auto type = cast<ShapedType>(w.getType());
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(w, storage);
  int64_t k = type.getDimSize(0), total = type.getDimSize(1);
  size_t width = type.getElementType().getIntOrFloatBitWidth() / 8;
  if (failed(bytes) || bytes->size() != static_cast<size_t>(k * total) * width)
    return {};
  std::vector<char> out(static_cast<size_t>(n * k) * width);
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < n; ++c)
      std::memcpy(out.data() + (c * k + r) * width,
                  bytes->data() + (r * total + from + c) * width, width);
  return ictx.createConstant(
      rewriter, loc, RankedTensorType::get({n, k}, type.getElementType()), out,
      name);
}

/// Elements [from, from + n) of a constant vector.
Value sliceVector(PatternRewriter &rewriter, ImportContext &ictx, Location loc,
                  ElementsAttr v, int64_t from, int64_t n, StringRef name) {
  auto type = cast<ShapedType>(v.getType());
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(v, storage);
  size_t width = type.getElementType().getIntOrFloatBitWidth() / 8;
  if (failed(bytes) || bytes->size() < static_cast<size_t>(from + n) * width)
    return {};
  std::vector<char> out(bytes->data() + from * width,
                        bytes->data() + (from + n) * width);
  return ictx.createConstant(rewriter, loc,
                             RankedTensorType::get({n}, type.getElementType()),
                             out, name);
}

// ONNX Runtime's packed-QKV Attention (self-attention, no past, no mask).
//   %y = onnx.com.microsoft.Attention(%x, %w, %b) {num_heads = N,
//                                                   unidirectional = 1}
// ->
//   %q = ost.linear %x, %wq bias %bq {role = q_proj} (k, v alike)
//   %y = collapse(ost.attention expand(%q), expand(%k), expand(%v) {causal})
struct FusedMSAttention final : ONNXRewritePattern {
  FusedMSAttention(ImportContext &ictx)
      : ONNXRewritePattern("com.microsoft.Attention", ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x = getONNXInput(op, 0), w = getONNXInput(op, 1),
          bias = getONNXInput(op, 2);
    auto xType = x ? dyn_cast<RankedTensorType>(x.getType()) : nullptr;
    if (!xType || !w || xType.getRank() != 3)
      return failure();
    auto fail = [&](const Twine &why) {
      ictx.noteFailure(op, "Attention with " + why + " is not supported");
      return failure();
    };
    for (unsigned i = 3; i < getNumONNXInputs(op); ++i)
      if (getONNXInput(op, i))
        return fail("mask_index, past, attention_bias or "
                    "past_sequence_length inputs");
    if (!unusedFrom(op, 1))
      return fail("a used present output");
    if (getIntAttr(op, "do_rotary", 0) != 0 ||
        getIntAttr(op, "past_present_share_buffer", 0) != 0)
      return fail("do_rotary or past_present_share_buffer");
    ElementsAttr wAttr = getConstantElements(w);
    auto wType = wAttr ? cast<ShapedType>(wAttr.getType()) : ShapedType();
    int64_t heads = getIntAttr(op, "num_heads", 0);
    int64_t hidden = xType.getDimSize(2);
    if (!wAttr || wType.getRank() != 2 || !wType.hasStaticShape() ||
        wType.getElementType() != xType.getElementType() ||
        wType.getDimSize(0) != hidden || heads <= 0)
      return fail("non-constant weights or a missing num_heads");
    int64_t dq = wType.getDimSize(1) / 3, dk = dq, dv = dq;
    if (std::optional<SmallVector<int64_t>> sizes =
            getIntsAttr(op, "qkv_hidden_sizes")) {
      if (sizes->size() != 3)
        return fail("malformed qkv_hidden_sizes");
      dq = (*sizes)[0], dk = (*sizes)[1], dv = (*sizes)[2];
    }
    if (dq != dk || dk != dv || dq * 3 != wType.getDimSize(1) ||
        dq % heads != 0)
      return fail("different Q, K and V sizes");
    ElementsAttr bAttr = bias ? getConstantElements(bias) : ElementsAttr();
    if (bias && (!bAttr || cast<ShapedType>(bAttr.getType()).getRank() != 1 ||
                 cast<ShapedType>(bAttr.getType()).getDimSize(0) != 3 * dq))
      return fail("a non-constant bias");
    int64_t headDim = dq / heads;
    double scale = getFloatAttr(op, "scale").value_or(0.0);

    Location loc = op->getLoc();
    LayerPosition pos = parseLayerPosition(getNodeName(op));
    static constexpr LinearRole roles[] = {LinearRole::QProj, LinearRole::KProj,
                                           LinearRole::VProj};
    static const char *const names[] = {"q_proj", "k_proj", "v_proj"};
    Value parts[3];
    std::optional<SymShape> xs = ictx.getShape(x);
    if (!xs)
      return failure();
    for (int i = 0; i < 3; ++i) {
      std::string name =
          (pos.layer >= 0 ? "layers." + std::to_string(pos.layer) + "." : "") +
          names[i];
      Value weight = sliceColumnsTransposed(rewriter, ictx, loc, wAttr, i * dq,
                                            dq, name + ".weight");
      Value b = bAttr ? sliceVector(rewriter, ictx, loc, bAttr, i * dq, dq,
                                    name + ".bias")
                      : Value();
      if (!weight || (bAttr && !b))
        return failure();
      SymShape outShape = {(*xs)[0], (*xs)[1], dq};
      Value lin = LinearOp::create(
          rewriter, loc, makeTensorType(outShape, xType.getElementType()), x,
          weight, b, LinearRoleAttr::get(rewriter.getContext(), roles[i]),
          pos.layer >= 0 ? rewriter.getI64IntegerAttr(pos.layer)
                         : IntegerAttr());
      ictx.setShape(lin, outShape);
      parts[i] = splitHeads(rewriter, ictx, loc, lin, heads, headDim);
      if (!parts[i])
        return failure();
    }
    FloatAttr scaleAttr =
        scale > 0 ? rewriter.getF64FloatAttr(scale) : FloatAttr();
    Value attn = AttentionOp::create(
        rewriter, loc, parts[0].getType(), parts[0], parts[1], parts[2],
        Value(), scaleAttr, getIntAttr(op, "unidirectional", 0) != 0);
    Value merged = mergeHeads(rewriter, ictx, loc, attn);
    Value result =
        castIfNeeded(rewriter, loc, merged, op->getResult(0).getType());
    if (!result)
      return failure();
    rewriter.replaceAllUsesWith(op->getResult(0), result);
    eraseWithDeadProducers(rewriter, op);
    return success();
  }
};

// Opset 23 Attention with 4-D (or 3-D) Q, K, V and no past.
//   %y = onnx.Attention(%q, %k, %v [, %mask]) {is_causal = 1}
// ->
//   %y = ost.transpose (ost.attention (ost.transpose %q), ...) [0, 2, 1, 3]
struct FusedONNXAttention final : ONNXRewritePattern {
  FusedONNXAttention(ImportContext &ictx)
      : ONNXRewritePattern("Attention", ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value q = getONNXInput(op, 0), k = getONNXInput(op, 1),
          v = getONNXInput(op, 2), mask = getONNXInput(op, 3);
    auto qType = q ? dyn_cast<RankedTensorType>(q.getType()) : nullptr;
    if (!qType || !k || !v || !isa<FloatType>(qType.getElementType()))
      return failure();
    auto fail = [&](const Twine &why) {
      ictx.noteFailure(op, "Attention with " + why + " is not supported");
      return failure();
    };
    if (getONNXInput(op, 4) || getONNXInput(op, 5))
      return fail("past_key/past_value (KV cache) inputs");
    if (!unusedFrom(op, 1))
      return fail("used present_key/present_value/qk_matmul outputs");
    if (getFloatAttr(op, "softcap").value_or(0.0) != 0.0)
      return fail("softcap");
    Location loc = op->getLoc();
    bool threeD = qType.getRank() == 3;
    std::optional<SymShape> qs0 = ictx.getShape(q), ks0 = ictx.getShape(k),
                            vs0 = ictx.getShape(v);
    if (!qs0 || !ks0 || !vs0)
      return failure();
    // Shapes as [B, H, T, D].
    SymShape qsh = *qs0, ksh = *ks0, vsh = *vs0;
    int64_t qh = 0, kvh = 0, dh = 0;
    if (threeD) {
      qh = getIntAttr(op, "q_num_heads", 0);
      kvh = getIntAttr(op, "kv_num_heads", 0);
      if (qh <= 0 || kvh <= 0 || ksh.size() != 3 || vsh.size() != 3 ||
          !isStaticDim(qsh[2]) || qsh[2] % qh != 0)
        return fail("3-D inputs without q_num_heads/kv_num_heads");
      dh = qsh[2] / qh;
      if (ksh[2] != kvh * dh || vsh[2] != kvh * dh)
        return fail("3-D inputs of inconsistent sizes");
      qsh = {qsh[0], qh, qsh[1], dh};
      ksh = {ksh[0], kvh, ksh[1], dh};
      vsh = {vsh[0], kvh, vsh[1], dh};
    }
    if (qsh.size() != 4 || ksh.size() != 4 || ksh != vsh || qsh[3] != ksh[3] ||
        qsh[0] != ksh[0] || !isStaticDim(qsh[3]) || !isStaticDim(qsh[1]) ||
        !isStaticDim(ksh[1]) || ksh[1] == 0 || qsh[1] % ksh[1] != 0)
      return fail("Q, K, V shapes other than [B, H, T, D] with one head size");
    SymDim t = qsh[2], s = ksh[2];
    bool causal = getIntAttr(op, "is_causal", 0) != 0;
    if (causal && t != s)
      return fail("is_causal where the query and key lengths may differ "
                  "(top-left aligned causal mask)");
    FloatAttr scaleAttr;
    if (std::optional<double> scale = getFloatAttr(op, "scale")) {
      double def = 1.0 / std::sqrt(static_cast<double>(qsh[3]));
      if (!(*scale > 0))
        return fail("a non-positive scale");
      if (std::fabs(*scale - def) > def * 0x1p-22)
        scaleAttr = rewriter.getF64FloatAttr(*scale);
    }
    Value maskOperand;
    if (mask) {
      bool maskCausal = false;
      std::string why;
      if (failed(resolveAttentionMask(rewriter, ictx, loc, mask, qsh[0], t, s,
                                      qType.getElementType(), maskCausal,
                                      maskOperand, why)))
        return fail("a mask where " + why);
      causal |= maskCausal;
    }
    Value q4 = q, k4 = k, v4 = v;
    if (threeD) {
      q4 = createTranspose(rewriter, ictx, loc,
                           splitHeads(rewriter, ictx, loc, q, qh, dh),
                           {0, 2, 1, 3});
      k4 = createTranspose(rewriter, ictx, loc,
                           splitHeads(rewriter, ictx, loc, k, kvh, dh),
                           {0, 2, 1, 3});
      v4 = createTranspose(rewriter, ictx, loc,
                           splitHeads(rewriter, ictx, loc, v, kvh, dh),
                           {0, 2, 1, 3});
    }
    Value query = createTranspose(rewriter, ictx, loc, q4, {0, 2, 1, 3});
    Value key = createTranspose(rewriter, ictx, loc, k4, {0, 2, 1, 3});
    Value value = createTranspose(rewriter, ictx, loc, v4, {0, 2, 1, 3});
    Value attn = AttentionOp::create(rewriter, loc, query.getType(), query, key,
                                     value, maskOperand, scaleAttr, causal);
    Value back = threeD
                     ? mergeHeads(rewriter, ictx, loc, attn)
                     : createTranspose(rewriter, ictx, loc, attn, {0, 2, 1, 3});
    Value result =
        castIfNeeded(rewriter, loc, back, op->getResult(0).getType());
    if (!result)
      return failure();
    rewriter.replaceAllUsesWith(op->getResult(0), result);
    eraseWithDeadProducers(rewriter, op);
    return success();
  }
};

} // namespace

void mlir::ost::importer::populateFusedOpPatterns(RewritePatternSet &patterns,
                                                  ImportContext &ictx) {
  for (StringRef type : {"RMSNormalization", "SimplifiedLayerNormalization",
                         "com.microsoft.SimplifiedLayerNormalization"})
    patterns.add<FusedRMSNorm>(type, ictx);
  patterns.add<FusedSkipRMSNorm, FusedRotaryEmbedding, FusedMSAttention,
               FusedONNXAttention>(ictx);
}
