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

/// Finds every attention and MLP block of `func`. Emits an error and fails
/// if an ost.attention is not in the expected form (naming what is
/// missing); MLP blocks are recognized wherever the SwiGLU pattern occurs.
FailureOr<DecoderStructure> matchDecoderStructure(Operation *func);

/// The `layer` attribute of a linear, or `fallback`.
int64_t getLayerIndex(LinearOp linear, int64_t fallback);

} // namespace mlir::ost

#endif // OST_LIB_DIALECT_OST_TRANSFORMS_DECODERSTRUCTURE_H
