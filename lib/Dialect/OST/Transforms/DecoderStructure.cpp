//===- DecoderStructure.cpp - find the blocks of a LLaMA decoder ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "DecoderStructure.h"

#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::ost;

int64_t mlir::ost::getLayerIndex(LinearOp linear, int64_t fallback) {
  if (auto layer = linear->getAttrOfType<IntegerAttr>("layer"))
    return layer.getInt();
  return fallback;
}

Value mlir::ost::skipOnlineOps(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto fq = dyn_cast<FakeQuantOp>(def))
      v = fq.getInput();
    else if (auto had = dyn_cast<OnlineHadamardOp>(def))
      v = had.getInput();
    else if (auto apply = dyn_cast<ApplyOp>(def);
             apply && isa<HadamardType>(apply.getTransform().getType()))
      v = apply.getInput();
    else
      break;
  }
  return v;
}

/// Follows a q/k/v head tensor back through RoPE and the head split to its
/// projection (and through online ops first with `lookThrough`). `rope`
/// receives the RoPE op when there is one.
static LinearOp traceProjection(Value heads, RopeOp *rope, bool lookThrough) {
  if (lookThrough)
    heads = skipOnlineOps(heads);
  if (auto r = heads.getDefiningOp<RopeOp>()) {
    if (rope)
      *rope = r;
    heads = r.getInput();
  }
  auto expand = heads.getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand)
    return {};
  return expand.getSrc().getDefiningOp<LinearOp>();
}

/// The o_proj reading the collapsed heads of `attention` (through one
/// fake quantizer with `lookThrough`), or null.
static LinearOp findOutputProjection(AttentionOp attention, bool lookThrough) {
  if (!attention.getResult().hasOneUse())
    return {};
  auto collapse =
      dyn_cast<tensor::CollapseShapeOp>(*attention.getResult().user_begin());
  if (!collapse || !collapse.getResult().hasOneUse())
    return {};
  Value heads = collapse.getResult();
  Operation *user = *heads.user_begin();
  if (auto fq = dyn_cast<FakeQuantOp>(user);
      fq && lookThrough && fq.getResult().hasOneUse()) {
    heads = fq.getResult();
    user = *heads.user_begin();
  }
  auto o = dyn_cast<LinearOp>(user);
  if (!o || o.getInput() != heads)
    return {};
  return o;
}

static FailureOr<AttentionBlock>
matchAttention(AttentionOp attention, int64_t ordinal,
               const DecoderMatchOptions &options) {
  AttentionBlock block;
  block.attention = attention;
  auto fail = [&](const Twine &what) {
    return attention.emitError()
           << "cannot " << options.action << " this attention: " << what;
  };
  bool look = options.lookThroughOnlineOps;
  block.q = traceProjection(attention.getQuery(), &block.qRope, look);
  block.k = traceProjection(attention.getKey(), &block.kRope, look);
  block.v = traceProjection(attention.getValue(), nullptr, look);
  if (!block.q || !block.k || !block.v)
    return fail("query, key and value must each be an ost.linear split into "
                "heads by tensor.expand_shape (RoPE allowed on query and key)");
  if (!block.qRope != !block.kRope)
    return fail("RoPE is applied to only one of query and key");
  if (block.qRope && block.qRope.getLayout() != block.kRope.getLayout())
    return fail("query and key use different RoPE layouts");
  block.o = findOutputProjection(attention, look);
  if (!block.o)
    return fail("its result must feed exactly one ost.linear (o_proj) "
                "through tensor.collapse_shape");
  block.input = block.q.getInput();
  if (block.k.getInput() != block.input || block.v.getInput() != block.input)
    return fail("q, k and v projections must read the same activation");
  auto q = cast<RankedTensorType>(attention.getQuery().getType());
  auto k = cast<RankedTensorType>(attention.getKey().getType());
  if (q.isDynamicDim(2) || q.isDynamicDim(3) || k.isDynamicDim(2))
    return fail("the number of heads and the head size must be static");
  block.numHeads = q.getDimSize(2);
  block.numKVHeads = k.getDimSize(2);
  block.headDim = q.getDimSize(3);
  block.layer = getLayerIndex(block.q, ordinal);
  return block;
}

/// Matches `down(silu(gate(x)) ⊙ up(x))` ending at `down` (with online ops
/// before down with `lookThrough`).
static std::optional<MLPBlock> matchMLP(LinearOp down, int64_t ordinal,
                                        bool lookThrough) {
  Value product =
      lookThrough ? skipOnlineOps(down.getInput()) : down.getInput();
  auto mul = product.getDefiningOp<MulOp>();
  if (!mul || !mul.getResult().hasOneUse())
    return std::nullopt;
  for (int swap = 0; swap < 2; ++swap) {
    Value a = mul->getOperand(swap), b = mul->getOperand(1 - swap);
    auto silu = a.getDefiningOp<SiLUOp>();
    auto up = b.getDefiningOp<LinearOp>();
    if (!silu || !up)
      continue;
    auto gate = silu.getInput().getDefiningOp<LinearOp>();
    if (!gate || gate.getInput() != up.getInput() ||
        !silu.getResult().hasOneUse() || !up.getResult().hasOneUse() ||
        !gate.getResult().hasOneUse())
      continue;
    MLPBlock block;
    block.gate = gate;
    block.up = up;
    block.down = down;
    block.mul = mul;
    block.input = up.getInput();
    block.layer = getLayerIndex(down, ordinal);
    return block;
  }
  return std::nullopt;
}

FailureOr<DecoderStructure>
mlir::ost::matchDecoderStructure(Operation *func,
                                 const DecoderMatchOptions &options) {
  DecoderStructure structure;
  bool failed = false;
  func->walk([&](Operation *op) {
    if (auto attention = dyn_cast<AttentionOp>(op)) {
      FailureOr<AttentionBlock> block =
          matchAttention(attention, structure.attention.size(), options);
      if (mlir::failed(block))
        failed = true;
      else
        structure.attention.push_back(*block);
    } else if (auto linear = dyn_cast<LinearOp>(op)) {
      if (std::optional<MLPBlock> block = matchMLP(
              linear, structure.mlp.size(), options.lookThroughOnlineOps))
        structure.mlp.push_back(*block);
    }
  });
  if (failed)
    return failure();
  return structure;
}
