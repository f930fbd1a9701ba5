//===- DecoderStructure.h - find the blocks of a LLaMA decoder --*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Transform insertion needs to know, for every decoder layer, which linear
// is q/k/v/o and gate/up/down, where RoPE sits, and the head layout. The
// matchers here recover that structurally from the ops (the `role`
// attributes are only used for naming), so they also work on hand-written
// modules.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_DIALECT_OST_TRANSFORMS_DECODERSTRUCTURE_H
#define OST_LIB_DIALECT_OST_TRANSFORMS_DECODERSTRUCTURE_H

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::ost {

/// Self-attention: q/k/v projections of one input, optional RoPE on q and k,
/// ost.attention, then o_proj on the heads collapsed back to one dimension.
struct AttentionBlock {
  int64_t layer = 0;
  AttentionOp attention;
  LinearOp q, k, v, o;
  /// RoPE on the query and key heads; null when the model has none.
  RopeOp qRope, kRope;
  int64_t numHeads = 0, numKVHeads = 0, headDim = 0;
  /// The activation q, k and v read (the input norm's result).
  Value input;
};

/// SwiGLU MLP: down(silu(gate(x)) ⊙ up(x)).
struct MLPBlock {
  int64_t layer = 0;
  LinearOp gate, up, down;
  MulOp mul;
  Value input;
};

struct DecoderStructure {
  SmallVector<AttentionBlock> attention;
  SmallVector<MLPBlock> mlp;
};

/// How matchDecoderStructure reads the IR.
struct DecoderMatchOptions {
  /// Also recognize the blocks of a transformed or quantized module: the
  /// paths from RoPE to ost.attention (Q and K), from the V projection to
  /// ost.attention, from the collapsed heads to o_proj and from the SwiGLU
  /// product to down_proj may pass through `ost.fake_quant`,
  /// `ost.online_hadamard` and `ost.apply` of an `ost.hadamard` (used by the
  /// quantization passes; transform insertion wants the plain model).
  bool lookThroughOnlineOps = false;
  /// What the caller does, for diagnostics: "cannot <action> this
  /// attention: ...".
  StringRef action = "insert transforms around";
};

/// Finds every attention and MLP block of `func`. Emits an error and fails
/// if an ost.attention is not in the expected form (naming what is
/// missing); MLP blocks are recognized wherever the SwiGLU pattern occurs.
FailureOr<DecoderStructure>
matchDecoderStructure(Operation *func, const DecoderMatchOptions &options = {});

/// The value `v` with the online ops of DecoderMatchOptions
/// (fake_quant, online_hadamard, apply of a Hadamard) peeled off its
/// producers.
Value skipOnlineOps(Value v);

/// The `layer` attribute of a linear, or `fallback`.
int64_t getLayerIndex(LinearOp linear, int64_t fallback);

} // namespace mlir::ost

#endif // OST_LIB_DIALECT_OST_TRANSFORMS_DECODERSTRUCTURE_H
