//===- MicrosoftDomain.cpp - stage-1 handlers of fused attention ops ------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Handlers of the fused ops LLaMA exports may contain: the com.microsoft
// contrib ops of ONNX Runtime (SimplifiedLayerNormalization,
// SkipSimplifiedLayerNormalization, RotaryEmbedding, Attention) and opset
// 23's Attention of the default domain (accepted in any opset, like
// RMSNormalization in DefaultDomain.cpp). libonnx 1.12 knows none of them,
// so these handlers are the only source of their result types.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

static constexpr StringLiteral kMS = "com.microsoft";

namespace {

using B = NodeBinder;

LogicalResult simplifiedLayerNorm(B &b) {
  Builder &builder = b.getBuilder();
  b.setDefaultAttr("axis", builder.getI64IntegerAttr(-1));
  b.setDefaultAttr("epsilon", builder.getF32FloatAttr(1e-5f));
  b.setDefaultAttr("stash_type", builder.getI64IntegerAttr(1));
  std::optional<SymShape> in = b.getInputShape(0);
  b.deriveResult(0, b.getInputElementType(0), in);
  if (in && b.getNumResults() > 1)
    if (std::optional<int64_t> axis =
            normalizeAxis(b.getIntAttr("axis", -1), in->size())) {
      SymShape s = *in;
      for (size_t d = *axis; d < s.size(); ++d)
        s[d] = 1;
      b.deriveResult(1, builder.getF32Type(), s);
    }
  return b.createGenericOp();
}

/// outputs: output, mean, inv_std_var, input_skip_bias_sum.
LogicalResult skipSimplifiedLayerNorm(B &b) {
  b.setDefaultAttr("epsilon", b.getBuilder().getF32FloatAttr(1e-5f));
  std::optional<SymShape> in = b.getInputShape(0);
  Type elem = b.getInputElementType(0);
  b.deriveResult(0, elem, in);
  if (b.getNumResults() > 3)
    b.deriveResult(3, elem, in);
  if (in && !in->empty())
    for (unsigned i = 1; i < std::min(3u, b.getNumResults()); ++i) {
      SymShape s = *in;
      s.back() = 1;
      b.deriveResult(i, b.getBuilder().getF32Type(), s);
    }
  return b.createGenericOp();
}

LogicalResult rotaryEmbedding(B &b) {
  Builder &builder = b.getBuilder();
  b.setDefaultAttr("interleaved", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("num_heads", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("rotary_embedding_dim", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("scale", builder.getF32FloatAttr(1.0f));
  b.setDefaultAttr("is_packed_batching", builder.getI64IntegerAttr(0));
  b.deriveResult(0, b.getInputElementType(0), b.getInputShape(0));
  return b.createGenericOp();
}

/// com.microsoft.Attention: input [B, S, hidden], weights [hidden, Q+K+V],
/// output [B, S, V]; optional present [2, B, H, S_total, Dh].
LogicalResult msAttention(B &b) {
  Builder &builder = b.getBuilder();
  b.setDefaultAttr("unidirectional", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("do_rotary", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("past_present_share_buffer", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("mask_filter_value", builder.getF32FloatAttr(-10000.0f));
  std::optional<SymShape> in = b.getInputShape(0), w = b.getInputShape(1);
  if (in && w && in->size() == 3 && w->size() == 2) {
    SymDim v = b.getImportContext().getDims().fresh();
    if (std::optional<SmallVector<int64_t>> sizes =
            b.getIntsAttr("qkv_hidden_sizes")) {
      if (sizes->size() == 3)
        v = (*sizes)[2];
    } else if (isStaticDim((*w)[1]) && (*w)[1] % 3 == 0) {
      v = (*w)[1] / 3;
    }
    b.deriveResult(0, b.getInputElementType(0),
                   SymShape{(*in)[0], (*in)[1], v});
  }
  return b.createGenericOp();
}

/// Opset 23 Attention: Q [B, Hq, T, Dh] or [B, T, Hq*Dh]; the output has
/// Q's layout with V's head size.
LogicalResult onnxAttention(B &b) {
  Builder &builder = b.getBuilder();
  b.setDefaultAttr("is_causal", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("qk_matmul_output_mode", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("softcap", builder.getF32FloatAttr(0.0f));
  std::optional<SymShape> q = b.getInputShape(0), v = b.getInputShape(2);
  if (q && v && q->size() == 4 && v->size() == 4) {
    b.deriveResult(0, b.getInputElementType(0),
                   SymShape{(*q)[0], (*q)[1], (*q)[2], (*v)[3]});
  } else if (q && v && q->size() == 3 && v->size() == 3) {
    std::optional<int64_t> qh = b.getIntAttr("q_num_heads"),
                           kvh = b.getIntAttr("kv_num_heads");
    SymDim hidden = b.getImportContext().getDims().fresh();
    if (qh && kvh && *kvh > 0 && isStaticDim((*v)[2]) && (*v)[2] % *kvh == 0)
      hidden = *qh * ((*v)[2] / *kvh);
    b.deriveResult(0, b.getInputElementType(0),
                   SymShape{(*q)[0], (*q)[1], hidden});
  }
  return b.createGenericOp();
}

} // namespace

void mlir::ost::importer::registerMicrosoftDomainHandlers(OpRegistry &r) {
  r.onOp(kMS, "SimplifiedLayerNormalization", 1, simplifiedLayerNorm);
  r.onOp(kMS, "SkipSimplifiedLayerNormalization", 1, skipSimplifiedLayerNorm);
  r.onOp(kMS, "RotaryEmbedding", 1, rotaryEmbedding);
  r.onOp(kMS, "Attention", 1, msAttention);
  r.onOp("", "Attention", 1, onnxAttention);
}
