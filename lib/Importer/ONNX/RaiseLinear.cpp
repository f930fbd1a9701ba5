//===- RaiseLinear.cpp - MatMul/Gemm/Gather to linear, head, embedding ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A MatMul by a constant matrix is a linear layer. torch.onnx stores the
// weight pre-transposed ([K, N], folded from PyTorch's [N, K]) or keeps a
// Transpose node; ost.linear wants PyTorch's [N, K], so a pre-transposed
// weight is transposed once at import time. A following Add of a vector is
// the bias. The role and layer come from the node (or weight) name. The
// MatMul computing the logits becomes ost.lm_head, sharing the embedding
// table when the weights are tied. Gather from a constant table is an
// embedding lookup.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstring>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

/// dst[c][r] = src[r][c] for a [rows, cols] matrix of `width`-byte elements,
/// in cache-friendly tiles.
template <typename T>
void transposeTiles(const char *src, char *dst, int64_t rows, int64_t cols) {
  constexpr int64_t tile = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += tile)
    for (int64_t c0 = 0; c0 < cols; c0 += tile)
      for (int64_t r = r0, re = std::min(rows, r0 + tile); r < re; ++r)
        for (int64_t c = c0, ce = std::min(cols, c0 + tile); c < ce; ++c) {
          T v;
          std::memcpy(&v, src + (r * cols + c) * sizeof(T), sizeof(T));
          std::memcpy(dst + (c * rows + r) * sizeof(T), &v, sizeof(T));
        }
}

void transposeBytes(const char *src, char *dst, int64_t rows, int64_t cols,
                    size_t width) {
  switch (width) {
  case 1:
    return transposeTiles<uint8_t>(src, dst, rows, cols);
  case 2:
    return transposeTiles<uint16_t>(src, dst, rows, cols);
  case 4:
    return transposeTiles<uint32_t>(src, dst, rows, cols);
  case 8:
    return transposeTiles<uint64_t>(src, dst, rows, cols);
  default:
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        std::memcpy(dst + (c * rows + r) * width, src + (r * cols + c) * width,
                    width);
  }
}

/// The transpose of a constant [K, N] matrix as a new [N, K] attribute.
ElementsAttr transposeMatrix(ImportContext &ictx, ElementsAttr attr,
                             StringRef nameHint) {
  if (ElementsAttr cached = ictx.lookupDerived(attr, "transpose"))
    return cached;
  auto type = cast<ShapedType>(attr.getType());
  if (type.getRank() != 2 || !type.hasStaticShape() ||
      !type.getElementType().isIntOrFloat())
    return {};
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(attr, storage);
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  size_t width =
      std::max(1u, type.getElementType().getIntOrFloatBitWidth() / 8);
  if (failed(bytes) || bytes->size() != static_cast<size_t>(k * n) * width)
    return {};
  // Build the transpose straight into the blob's final buffer (no second
  // temporary), then let the mapped source pages go.
  auto newType = RankedTensorType::get({n, k}, type.getElementType());
  auto holder = std::make_shared<std::vector<char>>(bytes->size());
  transposeBytes(bytes->data(), holder->data(), k, n, width);
  ictx.adviseDone(*bytes);
  ArrayRef<char> out(*holder);
  ElementsAttr result =
      ictx.createElementsAttr(newType, out, nameHint, std::move(holder));
  ictx.recordDerived(attr, "transpose", result);
  return result;
}

/// True if constant `a` holds the same bytes as constant `b`.
bool sameData(ElementsAttr a, ElementsAttr b) {
  if (a == b)
    return true;
  if (a.getType() != b.getType())
    return false;
  std::vector<char> sa, sb;
  FailureOr<ArrayRef<char>> da = getElementsBytes(a, sa),
                            db = getElementsBytes(b, sb);
  return succeeded(da) && succeeded(db) && *da == *db;
}

/// An embedding table of the function equal to `weight` ([N, K]): the tied
/// head's weight.
Value findTiedTable(Operation *from, Value weight, ElementsAttr weightAttr) {
  auto func = from->getParentOfType<func::FuncOp>();
  if (!func)
    return {};
  Value found;
  func.walk([&](Operation *op) {
    Value table;
    if (auto emb = dyn_cast<EmbeddingOp>(op))
      table = emb.getTable();
    else if (isONNXOp(op, "Gather") && getIntAttr(op, "axis", 0) == 0)
      table = skipPassThrough(getONNXInput(op, 0));
    if (!table || table.getType() != weight.getType())
      return WalkResult::advance();
    if (table == weight) {
      found = table;
      return WalkResult::interrupt();
    }
    ElementsAttr tableAttr = getConstantElements(table);
    if (tableAttr && weightAttr && sameData(tableAttr, weightAttr)) {
      found = table;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

/// True if `v` is returned by the function as a graph output named like
/// logits.
bool isLogitsOutput(Value v) {
  for (OpOperand &use : v.getUses()) {
    auto ret = dyn_cast<func::ReturnOp>(use.getOwner());
    if (!ret)
      continue;
    auto func = ret->getParentOfType<func::FuncOp>();
    auto name = func.getResultAttrOfType<StringAttr>(use.getOperandNumber(),
                                                     "onnx.name");
    if (name && name.getValue().contains_insensitive("logits"))
      return true;
  }
  return false;
}

/// The name of the weight constant feeding a linear layer (its location).
StringRef weightName(Value w) {
  Operation *def = skipPassThrough(w).getDefiningOp();
  return def ? getNodeName(def) : StringRef();
}

/// Builds ost.linear or ost.lm_head for `op` computing `input · weightᵀ`
/// with `weight : [N, K]`.
LogicalResult buildLinear(PatternRewriter &rewriter, ImportContext &ictx,
                          Operation *op, Value input, Value weight,
                          ElementsAttr weightAttr, StringRef origWeightName) {
  Location loc = op->getLoc();
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType)
    return rewriter.notifyMatchFailure(op, "unranked result");
  LayerPosition pos = parseLayerPosition(getNodeName(op));
  LayerPosition wpos = parseLayerPosition(origWeightName);
  if (pos.role.empty())
    pos.role = wpos.role;
  if (pos.layer < 0 && !pos.role.empty())
    pos.layer = wpos.layer;
  pos.isLMHead |= wpos.isLMHead;

  Value tied = findTiedTable(op, weight, weightAttr);
  bool returned = llvm::any_of(op->getResult(0).getUsers(), [](Operation *u) {
    return isa<func::ReturnOp>(u);
  });
  bool lmHead =
      pos.role.empty() &&
      (pos.isLMHead || isLogitsOutput(op->getResult(0)) || (tied && returned));
  Value result;
  if (lmHead) {
    result = LMHeadOp::create(rewriter, loc, resultType, input,
                              tied ? tied : weight);
  } else {
    LinearRoleAttr role;
    if (std::optional<LinearRole> r = symbolizeLinearRole(pos.role))
      role = LinearRoleAttr::get(rewriter.getContext(), *r);
    IntegerAttr layer = pos.layer >= 0 && role
                            ? rewriter.getI64IntegerAttr(pos.layer)
                            : IntegerAttr();
    result = LinearOp::create(rewriter, loc, resultType, input, weight,
                              /*bias=*/Value(), role, layer);
  }
  replaceAndCleanUp(rewriter, op, result);
  return success();
}

/// The float input of a linear layer, ranked, with the weight's element
/// type.
bool isLinearInput(Value x, Type elementType) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  return type && type.getRank() >= 1 && type.getElementType() == elementType;
}

// MatMul by a constant matrix.
//   %y = onnx.MatMul(%x, %w)      // %w : [K, N] constant
//   %y = onnx.MatMul(%x, onnx.Transpose(%wt) {perm = [1, 0]})
// ->
//   %y = ost.linear %x, %wT {role, layer}   // %wT : [N, K]
//   %y = ost.lm_head %x, %table           // the logits
struct MatMulToLinear final : ONNXRewritePattern {
  MatMulToLinear(ImportContext &ictx) : ONNXRewritePattern("MatMul", ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x = getONNXInput(op, 0), w = getONNXInput(op, 1);
    if (!x || !w || op->getNumResults() != 1)
      return failure();
    w = skipPassThrough(w);
    Value input;
    SmallVector<int64_t> perm;
    if (matchTranspose(w, input, perm) && perm == SmallVector<int64_t>{1, 0}) {
      Value wt = skipPassThrough(input);
      ElementsAttr attr = getConstantElements(wt);
      if (!attr || cast<ShapedType>(attr.getType()).getRank() != 2)
        return failure();
      auto type = cast<RankedTensorType>(wt.getType());
      if (!isa<FloatType>(type.getElementType()) ||
          !isLinearInput(x, type.getElementType()))
        return failure();
      return buildLinear(rewriter, ictx, op, x, wt, attr, weightName(wt));
    }
    ElementsAttr attr = getConstantElements(w);
    if (!attr)
      return failure();
    auto type = cast<ShapedType>(attr.getType());
    if (type.getRank() != 2 || !isa<FloatType>(type.getElementType()) ||
        !isLinearInput(x, type.getElementType()))
      return failure();
    StringRef name = weightName(w);
    LayerPosition pos = parseLayerPosition(getNodeName(op));
    std::string hint =
        pos.layer >= 0 && !pos.role.empty()
            ? ("layers." + Twine(pos.layer) + "." + pos.role + ".weight").str()
            : (name.empty() ? std::string("weight") : name.str()) + ".T";
    ElementsAttr transposed = transposeMatrix(ictx, attr, hint);
    if (!transposed)
      return rewriter.notifyMatchFailure(op, "cannot read the weight");
    Value wT = arith::ConstantOp::create(rewriter, w.getLoc(),
                                         cast<TypedAttr>(transposed));
    return buildLinear(rewriter, ictx, op, x, wT, transposed, name);
  }
};

// Gemm with a constant B, alpha = beta = 1 and no transA.
//   %y = onnx.Gemm(%x, %w, %c) {transB = 1}
// ->
//   %y = ost.linear %x, %w bias %c
struct GemmToLinear final : ONNXRewritePattern {
  GemmToLinear(ImportContext &ictx) : ONNXRewritePattern("Gemm", ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value x = getONNXInput(op, 0), w = getONNXInput(op, 1),
          c = getONNXInput(op, 2);
    if (!x || !w || op->getNumResults() != 1)
      return failure();
    ElementsAttr attr = getConstantElements(w);
    if (!attr)
      return failure();
    auto type = cast<ShapedType>(attr.getType());
    if (type.getRank() != 2 || !isa<FloatType>(type.getElementType()) ||
        !isLinearInput(x, type.getElementType()))
      return failure();
    auto why = [&](const Twine &reason) {
      ictx.noteFailure(op, "Gemm with " + reason + " is not supported");
      return failure();
    };
    if (getIntAttr(op, "transA", 0) != 0)
      return why("transA = 1");
    if (getFloatAttr(op, "alpha").value_or(1.0) != 1.0 ||
        (c && getFloatAttr(op, "beta").value_or(1.0) != 1.0))
      return why("alpha or beta other than 1");
    int64_t n =
        getIntAttr(op, "transB", 0) ? type.getDimSize(0) : type.getDimSize(1);
    Value bias;
    if (c) {
      auto cType = dyn_cast<RankedTensorType>(c.getType());
      if (!cType || cType.getElementType() != type.getElementType() ||
          cType.getRank() > 2 || cType.getNumElements() != n ||
          (cType.getRank() == 2 && cType.getDimSize(0) != 1))
        return why("a bias that is not a vector of the output features");
      bias = c;
      if (cType.getRank() != 1) {
        ElementsAttr cAttr = getConstantElements(c);
        ElementsAttr flat =
            cAttr ? reshapeElements(cAttr, {n}) : ElementsAttr();
        if (!flat)
          return why("a non-constant [1, N] bias");
        bias = arith::ConstantOp::create(rewriter, op->getLoc(),
                                         cast<TypedAttr>(flat));
      }
    }
    Value weight = skipPassThrough(w);
    ElementsAttr weightAttr = attr;
    if (getIntAttr(op, "transB", 0) == 0) {
      weightAttr = transposeMatrix(ictx, attr, (weightName(w) + ".T").str());
      if (!weightAttr)
        return failure();
      weight = arith::ConstantOp::create(rewriter, w.getLoc(),
                                         cast<TypedAttr>(weightAttr));
    }
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType)
      return failure();
    LayerPosition pos = parseLayerPosition(getNodeName(op));
    LinearRoleAttr role;
    if (std::optional<LinearRole> r = symbolizeLinearRole(pos.role))
      role = LinearRoleAttr::get(rewriter.getContext(), *r);
    IntegerAttr layer = pos.layer >= 0 && role
                            ? rewriter.getI64IntegerAttr(pos.layer)
                            : IntegerAttr();
    Value result = LinearOp::create(rewriter, op->getLoc(), resultType, x,
                                    weight, bias, role, layer);
    replaceAndCleanUp(rewriter, op, result);
    return success();
  }
};

// A vector added to an unbiased linear layer is its bias.
//   %l = ost.linear %x, %w   %y = onnx.Add(%l, %b)   // %b : [N]
// ->
//   %y = ost.linear %x, %w bias %b
struct AbsorbLinearBias final : CommutativeONNXPattern {
  AbsorbLinearBias(ImportContext &ictx) : CommutativeONNXPattern("Add", ictx) {}

  LogicalResult matchOrdered(Operation *op, Value a, Value b,
                             PatternRewriter &rewriter) const override {
    auto linear = skipPassThrough(a).getDefiningOp<LinearOp>();
    if (!linear || linear.getBias() || !linear->hasOneUse())
      return failure();
    auto bType = dyn_cast<RankedTensorType>(b.getType());
    RankedTensorType lType = linear.getType();
    int64_t n = linear.getWeight().getType().getDimSize(0);
    if (!bType || bType.getRank() > lType.getRank() ||
        ShapedType::isDynamic(n) || lType.getShape().back() != n)
      return failure();
    Value bias = asVector(rewriter, op->getLoc(), b, n, lType.getElementType());
    if (!bias)
      return failure();
    Value result =
        LinearOp::create(rewriter, linear.getLoc(), lType, linear.getInput(),
                         linear.getWeight(), bias, linear.getRoleAttr(),
                         linear.getLayerAttr());
    return replaceWithCast(rewriter, op, result);
  }
};

// Gather of rows of a constant matrix.
//   %h = onnx.Gather(%table, %ids) {axis = 0}
// ->
//   %h = ost.embedding %table[%ids]
struct GatherToEmbedding final : ONNXRewritePattern {
  GatherToEmbedding(ImportContext &ictx) : ONNXRewritePattern("Gather", ictx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    Value table = getONNXInput(op, 0), ids = getONNXInput(op, 1);
    if (!table || !ids || op->getNumResults() != 1)
      return failure();
    table = skipPassThrough(table);
    auto tType = dyn_cast<RankedTensorType>(table.getType());
    auto iType = dyn_cast<RankedTensorType>(ids.getType());
    auto rType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!tType || !iType || !rType || tType.getRank() != 2 ||
        !isa<FloatType>(tType.getElementType()) || !getConstantElements(table))
      return failure();
    auto intType = dyn_cast<IntegerType>(iType.getElementType());
    if (!intType || !intType.isSignless() ||
        normalizeAxis(getIntAttr(op, "axis", 0), 2) != 0)
      return failure();
    Value result =
        EmbeddingOp::create(rewriter, op->getLoc(), rType, table, ids);
    replaceAndCleanUp(rewriter, op, result);
    return success();
  }
};

} // namespace

void mlir::ost::importer::populateLinearPatterns(RewritePatternSet &patterns,
                                                 ImportContext &ictx) {
  patterns
      .add<MatMulToLinear, GemmToLinear, AbsorbLinearBias, GatherToEmbedding>(
          ictx);
}
