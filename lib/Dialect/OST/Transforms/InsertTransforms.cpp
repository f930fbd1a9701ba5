//===- InsertTransforms.cpp - insert OSTQuant transform pairs -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-insert-transforms (METHOD.md §2.2–2.4). Weights are wrapped
// in ost.transform_weight in the order their activation is transformed
// (R_res before S_attn on an input, S_ov before R_ov), so a chain reads like
// the activation path it compensates.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"

#include "DecoderStructure.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"
#include "ost/Support/HadamardSizes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTINSERTTRANSFORMSPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

struct PairSelection {
  bool res = false, attn = false, ffn = false, qk = false, ov = false,
       ud = false;
  /// Pairs were named explicitly: a pair with nothing to attach to is an
  /// error rather than skipped (as it is for `all`).
  bool strict = true;
};

FailureOr<PairSelection> parsePairs(ArrayRef<std::string> names,
                                    Operation *anchor) {
  PairSelection sel;
  static const std::string all[] = {"all"};
  if (names.empty())
    names = all;
  for (const std::string &name : names) {
    if (name == "all")
      sel = {true, true, true, true, true, true, /*strict=*/false};
    else if (name == "none")
      continue;
    else if (name == "res")
      sel.res = true;
    else if (name == "attn")
      sel.attn = true;
    else if (name == "ffn")
      sel.ffn = true;
    else if (name == "qk")
      sel.qk = true;
    else if (name == "ov")
      sel.ov = true;
    else if (name == "ud")
      sel.ud = true;
    else
      return anchor->emitError()
             << "unknown transform pair '" << name
             << "' in pairs=; expected res, attn, ffn, qk, ov, ud, all or none";
  }
  return sel;
}

/// Creates parameters, Hadamards and the pairs' ops in one function.
class Inserter {
public:
  explicit Inserter(func::FuncOp func)
      : func(func), ctx(func.getContext()), top(ctx) {
    top.setInsertionPointToStart(&func.getBody().front());
  }

  Value createParam(Location loc, StringRef name, Type type) {
    InitMethod method = isa<ScaleType>(type) ? InitMethod::Ones
                                             : InitMethod::Hadamard;
    return ParamOp::create(top, loc, type, StringAttr::get(ctx, name),
                           InitAttr::get(ctx, method, 0), ElementsAttr())
        .getResult();
  }

  Value getHadamard(Location loc, int64_t n) {
    Value &h = hadamards[n];
    if (!h)
      h = HadamardOp::create(top, loc, HadamardType::get(ctx, n)).getResult();
    return h;
  }

  /// `t` repeated over query groups of `repeats` heads of `headDim`.
  Value repeatHeads(Value t, int64_t headDim, int64_t repeats) {
    if (repeats == 1)
      return t;
    auto iface = cast<TransformTypeInterface>(t.getType());
    int64_t dim = iface.getDim() * repeats;
    Type type;
    if (auto block = dyn_cast<BlockRotationType>(t.getType()))
      type = BlockRotationType::get(ctx, block.getBlocks() * repeats, headDim);
    else
      type = ScaleType::get(ctx, dim);
    OpBuilder b(ctx);
    b.setInsertionPointAfterValue(t);
    return RepeatHeadsOp::create(b, t.getLoc(), type, t, headDim, repeats)
        .getResult();
  }

  /// Wraps `linear`'s weight (and, on the output side, its bias).
  void wrapWeight(LinearOp linear, Value t, WeightSide side, bool inverse) {
    OpBuilder b(linear);
    auto wrap = [&](OpOperand &operand) {
      Value w = operand.get();
      operand.set(TransformWeightOp::create(
                      b, linear.getLoc(), w.getType(), w, t,
                      WeightSideAttr::get(ctx, side),
                      inverse ? UnitAttr::get(ctx) : UnitAttr())
                      .getResult());
    };
    wrap(linear.getWeightMutable());
    if (side == WeightSide::Output && linear.getBias())
      wrap(linear.getBiasMutable()[0]);
  }

  void wrapHeadWeight(LMHeadOp head, Value t) {
    OpBuilder b(head);
    Value w = head.getWeight();
    head.getWeightMutable().set(
        TransformWeightOp::create(b, head.getLoc(), w.getType(), w, t,
                                  WeightSideAttr::get(ctx, WeightSide::Input))
            .getResult());
  }

  /// Inserts `x·T` (or `x·T⁻¹`) right after `x` and makes the given users
  /// read it.
  Value applyTo(Value x, Value t, bool inverse, ArrayRef<Operation *> users) {
    OpBuilder b(ctx);
    // After both operands (a block argument `x` precedes the parameters).
    if (isa<BlockArgument>(x))
      b.setInsertionPointAfterValue(t);
    else
      b.setInsertionPointAfterValue(x);
    Value y = ApplyOp::create(b, x.getLoc(), x.getType(), t, x,
                              inverse ? UnitAttr::get(ctx) : UnitAttr())
                  .getResult();
    for (Operation *user : users)
      user->replaceUsesOfWith(x, y);
    return y;
  }

  func::FuncOp func;
  MLIRContext *ctx;
  OpBuilder top;
  llvm::DenseMap<int64_t, Value> hadamards;
};

/// The last dimension of `v`'s ranked tensor type.
int64_t lastDim(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.getDimSize(type.getRank() - 1);
}

std::string layerName(int64_t layer, StringRef param) {
  return ("layers." + Twine(layer) + "." + param).str();
}

LogicalResult checkHadamardSize(Operation *op, int64_t n, StringRef where) {
  if (ShapedType::isDynamic(n) || !getHadamardFactor(n))
    return op->emitError()
           << "cannot insert the online Hadamard " << where << ": no Hadamard "
           << "matrix of size " << n << " is known (supported: K*2^m with K in "
           << formatKnownHadamardOrders() << ")";
  return success();
}

/// Checks that every use of the residual stream can be rotated and collects
/// the ops R_res must touch.
struct ResidualUses {
  SmallVector<LinearOp> writers, readers;
  SmallVector<LMHeadOp> heads;
};

FailureOr<ResidualUses> collectResidualUses(ArrayRef<Value> roots) {
  ResidualUses uses;
  llvm::SetVector<Value> residual(roots.begin(), roots.end());
  llvm::SetVector<Operation *> writers;
  for (size_t i = 0; i < residual.size(); ++i) {
    Value x = residual[i];
    for (OpOperand &use : x.getUses()) {
      Operation *user = use.getOwner();
      if (auto add = dyn_cast<AddOp>(user)) {
        Value other = add->getOperand(1 - use.getOperandNumber());
        if (residual.contains(other))
          continue;
        auto writer = other.getDefiningOp<LinearOp>();
        if (!writer || !writer.getResult().hasOneUse())
          return add.emitError()
                 << "R_res: this residual add's other operand must be an "
                    "ost.linear used only here (o_proj or down_proj)";
        writers.insert(writer);
        residual.insert(add.getResult());
        continue;
      }
      if (auto norm = dyn_cast<RMSNormOp>(user)) {
        if (norm.getWeight())
          return norm.emitError()
                 << "R_res needs unit RMSNorm weights (a rotation does not "
                    "commute with γ); run --ost-fold-norm-weights first";
        for (Operation *reader : norm.getResult().getUsers()) {
          if (auto linear = dyn_cast<LinearOp>(reader);
              linear && linear.getInput() == norm.getResult() &&
              linear.getWeight() != norm.getResult()) {
            uses.readers.push_back(linear);
          } else if (auto head = dyn_cast<LMHeadOp>(reader);
                     head && head.getInput() == norm.getResult()) {
            uses.heads.push_back(head);
          } else {
            InFlightDiagnostic diag = norm.emitError()
                                      << "R_res: this norm's result is used by '"
                                      << reader->getName()
                                      << "', which cannot absorb the rotation";
            diag.attachNote(reader->getLoc()) << "used here";
            return diag;
          }
        }
        continue;
      }
      InFlightDiagnostic diag =
          user->emitError() << "R_res: '" << user->getName()
                            << "' reads the residual stream, which cannot be "
                               "rotated through it (expected ost.add or "
                               "ost.rms_norm)";
      return diag;
    }
  }
  for (Operation *w : writers)
    uses.writers.push_back(cast<LinearOp>(w));
  return uses;
}

class OSTInsertTransformsPass final
    : public impl::OSTInsertTransformsPassBase<OSTInsertTransformsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<PairSelection> sel = parsePairs(pairs, module);
    if (failed(sel))
      return signalPassFailure();
    ParamOp existing;
    module.walk([&](ParamOp p) {
      existing = p;
      return WalkResult::interrupt();
    });
    if (existing) {
      existing.emitError() << "the module already has transform parameters "
                              "(here '"
                           << existing.getName()
                           << "'); ost-insert-transforms runs once";
      return signalPassFailure();
    }
    // Match every function first: explicitly named pairs must find
    // somewhere to go in the module.
    SmallVector<std::pair<func::FuncOp, DecoderStructure>> funcs;
    size_t attention = 0, mlp = 0;
    bool hasEmbedding = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      FailureOr<DecoderStructure> structure = matchDecoderStructure(func);
      if (failed(structure))
        return signalPassFailure();
      attention += structure->attention.size();
      mlp += structure->mlp.size();
      func.walk([&](EmbeddingOp) { hasEmbedding = true; });
      funcs.push_back({func, std::move(*structure)});
    }
    if (sel->strict && attention == 0 && (sel->attn || sel->qk || sel->ov)) {
      module.emitError() << "pairs attn/qk/ov need ost.attention blocks; none "
                            "found in the module";
      return signalPassFailure();
    }
    if (sel->strict && mlp == 0 && (sel->ud || sel->ffn)) {
      module.emitError() << "pairs ffn/ud need SwiGLU MLP blocks; none found "
                            "in the module";
      return signalPassFailure();
    }
    if (sel->strict && sel->res && !hasEmbedding) {
      module.emitError() << "R_res: no ost.embedding starts a residual stream "
                            "in the module";
      return signalPassFailure();
    }
    for (auto &[func, structure] : funcs)
      if (failed(runOnFunction(func, structure, *sel)))
        return signalPassFailure();
  }

private:
  LogicalResult runOnFunction(func::FuncOp func,
                              const DecoderStructure &structure,
                              const PairSelection &sel);
  LogicalResult insertResidualRotation(Inserter &ins);
  void insertNormScale(Inserter &ins, Value input, ArrayRef<LinearOp> linears,
                       int64_t layer, StringRef name);
  void insertQKScale(Inserter &ins, AttentionBlock b);
  void insertOV(Inserter &ins, AttentionBlock b);
};

LogicalResult
OSTInsertTransformsPass::insertResidualRotation(Inserter &ins) {
  SmallVector<Value> roots;
  ins.func.walk([&](EmbeddingOp e) { roots.push_back(e.getResult()); });
  // A function without an embedding has no residual stream to rotate (the
  // module-level check rejects a module with none when res is named).
  if (roots.empty())
    return success();
  int64_t d = lastDim(roots.front());
  for (Value root : roots)
    if (lastDim(root) != d || ShapedType::isDynamic(d))
      return root.getDefiningOp()->emitError()
             << "R_res: embeddings must share one static width";
  FailureOr<ResidualUses> uses = collectResidualUses(roots);
  if (failed(uses))
    return failure();
  Value r = ins.createParam(ins.func.getLoc(), "R_res",
                            RotationType::get(ins.ctx, d));
  for (Value root : roots) {
    SmallVector<Operation *> users(root.getUsers());
    ins.applyTo(root, r, /*inverse=*/false, users);
  }
  for (LinearOp w : uses->writers)
    ins.wrapWeight(w, r, WeightSide::Output, /*inverse=*/false);
  for (LinearOp reader : uses->readers)
    ins.wrapWeight(reader, r, WeightSide::Input, /*inverse=*/false);
  for (LMHeadOp head : uses->heads)
    ins.wrapHeadWeight(head, r);
  return success();
}

void OSTInsertTransformsPass::insertNormScale(Inserter &ins, Value input,
                                              ArrayRef<LinearOp> linears,
                                              int64_t layer, StringRef name) {
  Value s = ins.createParam(input.getLoc(), layerName(layer, name),
                            ScaleType::get(ins.ctx, lastDim(input)));
  SmallVector<Operation *> users;
  for (LinearOp l : linears)
    users.push_back(l);
  ins.applyTo(input, s, /*inverse=*/true, users);
  for (LinearOp l : linears)
    ins.wrapWeight(l, s, WeightSide::Input, /*inverse=*/true);
}

void OSTInsertTransformsPass::insertQKScale(Inserter &ins,
                                            AttentionBlock b) {
  // One scale per RoPE channel pair of each KV head, expanded to the pair's
  // two channels, then over the query group.
  int64_t kvDim = b.numKVHeads * b.headDim;
  Value param, kScale;
  Location loc = b.k.getLoc();
  std::string name = layerName(b.layer, "S_qk");
  if (b.kRope && b.headDim % 2 == 0) {
    param = ins.createParam(loc, name, ScaleType::get(ins.ctx, kvDim / 2));
    bool half = b.kRope.getLayout() == RopeLayout::RotateHalf;
    kScale = ins.repeatHeads(param, half ? b.headDim / 2 : 1, 2);
  } else {
    param = ins.createParam(loc, name, ScaleType::get(ins.ctx, kvDim));
    kScale = param;
  }
  Value qScale =
      ins.repeatHeads(kScale, b.headDim, b.numHeads / b.numKVHeads);
  ins.wrapWeight(b.k, kScale, WeightSide::Output, /*inverse=*/false);
  ins.wrapWeight(b.q, qScale, WeightSide::Output, /*inverse=*/true);
}

void OSTInsertTransformsPass::insertOV(Inserter &ins,
                                       AttentionBlock b) {
  int64_t group = b.numHeads / b.numKVHeads;
  Location loc = b.v.getLoc();
  Value s = ins.createParam(loc, layerName(b.layer, "S_ov"),
                            ScaleType::get(ins.ctx, b.numKVHeads * b.headDim));
  Value r = ins.createParam(
      loc, layerName(b.layer, "R_ov"),
      BlockRotationType::get(ins.ctx, b.numKVHeads, b.headDim));
  // V ↦ V·diag(1/s)·blockdiag(R_h); o undoes both on its input.
  ins.wrapWeight(b.v, s, WeightSide::Output, /*inverse=*/true);
  ins.wrapWeight(b.v, r, WeightSide::Output, /*inverse=*/false);
  ins.wrapWeight(b.o, ins.repeatHeads(s, b.headDim, group), WeightSide::Input,
                 /*inverse=*/true);
  ins.wrapWeight(b.o, ins.repeatHeads(r, b.headDim, group), WeightSide::Input,
                 /*inverse=*/false);
}

LogicalResult
OSTInsertTransformsPass::runOnFunction(func::FuncOp func,
                                       const DecoderStructure &structure,
                                       const PairSelection &sel) {
  Inserter ins(func);
  for (AttentionBlock b : structure.attention) {
    if (b.numKVHeads <= 0 || b.numHeads % b.numKVHeads != 0)
      return b.attention.emitError()
             << "query heads (" << b.numHeads
             << ") must be a multiple of KV heads (" << b.numKVHeads << ")";
    if (qkHadamard && failed(checkHadamardSize(b.attention, b.headDim,
                                               "on Q and K after RoPE")))
      return failure();
  }
  for (MLPBlock b : structure.mlp)
    if (downHadamard &&
        failed(checkHadamardSize(b.down, lastDim(b.down.getInput()),
                                 "before down_proj")))
      return failure();

  // Innermost first on each weight: R_res, then the norm scales, ...
  if (sel.res && failed(insertResidualRotation(ins)))
    return failure();
  for (AttentionBlock b : structure.attention)
    if (sel.attn)
      insertNormScale(ins, b.input, {b.q, b.k, b.v}, b.layer, "S_attn");
  for (MLPBlock b : structure.mlp)
    if (sel.ffn)
      insertNormScale(ins, b.input, {b.gate, b.up}, b.layer, "S_ffn");
  for (AttentionBlock b : structure.attention) {
    if (sel.qk)
      insertQKScale(ins, b);
    if (sel.ov)
      insertOV(ins, b);
    if (qkHadamard) {
      Value h = ins.getHadamard(b.attention.getLoc(), b.headDim);
      ins.applyTo(b.attention.getQuery(), h, false, {b.attention});
      ins.applyTo(b.attention.getKey(), h, false, {b.attention});
    }
  }
  for (MLPBlock b : structure.mlp) {
    if (sel.ud) {
      Value s = ins.createParam(b.up.getLoc(), layerName(b.layer, "S_ud"),
                                ScaleType::get(ins.ctx, lastDim(b.up.getResult())));
      ins.wrapWeight(b.up, s, WeightSide::Output, /*inverse=*/true);
      ins.wrapWeight(b.down, s, WeightSide::Input, /*inverse=*/true);
    }
    if (downHadamard) {
      Value h = ins.getHadamard(b.down.getLoc(), lastDim(b.down.getInput()));
      ins.applyTo(b.mul.getResult(), h, /*inverse=*/false, {b.down});
      ins.wrapWeight(b.down, h, WeightSide::Input, /*inverse=*/false);
    }
  }
  return success();
}

} // namespace
} // namespace mlir::ost
