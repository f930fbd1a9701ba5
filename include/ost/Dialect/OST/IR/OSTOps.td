//===- OSTOps.td - OST dialect operations ------------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTOPS_TD
#define OST_DIALECT_OST_IR_OSTOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "ost/Dialect/OST/IR/OSTBase.td"
include "ost/Dialect/OST/IR/OSTAttrs.td"
include "ost/Dialect/OST/IR/OSTInterfaces.td"
include "ost/Dialect/OST/IR/OSTTypes.td"

def OST_FloatTensor : RankedTensorOf<[AnyFloat]>;
def OST_IntTensor : RankedTensorOf<[AnySignlessInteger]>;

//===----------------------------------------------------------------------===//
// Model ops
//===----------------------------------------------------------------------===//

def OST_EmbeddingOp : OST_Op<"embedding", [Pure]> {
  let summary = "token embedding lookup";
  let description = [{
    Gathers rows of the embedding table `table : tensor<V x D>` for integer
    token ids `ids : tensor<B x T>`. The result has shape `ids.shape + [D]`.
    Ids outside `[0, V)` are a runtime error of the executor.

    ```mlir
    %h = ost.embedding %table[%ids] : tensor<512x64xf32>, tensor<1x8xi64> -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$table, OST_IntTensor:$ids);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def OST_RMSNormOp : OST_Op<"rms_norm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "root-mean-square normalization over the last dimension";
  let description = [{
    `y = x / sqrt(mean(x², -1) + epsilon) ⊙ weight`. Without `weight` the
    norm has unit scale (the form left by `ost-fold-norm-weights`); after
    OSTQuant folding the weight holds `1/S_attn` or `1/S_ffn`.

    ```mlir
    %n = ost.rms_norm %x weight %g {epsilon = 1.0e-05 : f64} : tensor<1x8x64xf32>, tensor<64xf32>
    %u = ost.rms_norm %x : tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input,
                       Optional<TensorRankOf<[AnyFloat], [1]>>:$weight,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? attr-dict `:` type($input) (`,` type($weight)^)?
  }];
  let builders = [
    OpBuilder<(ins "Value":$input, "Value":$weight, "double":$epsilon), [{
      build($_builder, $_state, input.getType(), input, weight,
            $_builder.getF64FloatAttr(epsilon));
    }]>
  ];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

class OST_LinearLikeOp<string mnemonic, list<Trait> traits = []>
    : OST_Op<mnemonic, !listconcat(traits, [Pure,
          DeclareOpInterfaceMethods<OST_LinearOpInterface>])>;

def OST_LinearOp : OST_LinearLikeOp<"linear"> {
  let summary = "fully connected layer: Y = X · Wᵀ (+ b)";
  let description = [{
    `input : tensor<... x K>`, `weight : tensor<N x K>` (PyTorch layout),
    optional `bias : tensor<N>`; the result is `tensor<... x N>`. The
    optional `role` and `layer` attributes record where the linear sits in a
    decoder layer (set by the importer, used by transform insertion).

    ```mlir
    %q = ost.linear %x, %wq {role = #ost.role<q_proj>, layer = 0 : i64}
        : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
    %y = ost.linear %x, %w bias %b : tensor<1x8x64xf32>, tensor<32x64xf32>, tensor<32xf32> -> tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input,
                       TensorRankOf<[AnyFloat], [2]>:$weight,
                       Optional<TensorRankOf<[AnyFloat], [1]>>:$bias,
                       OptionalAttr<OST_LinearRoleAttr>:$role,
                       OptionalAttr<I64Attr>:$layer);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? attr-dict `:` type($input) `,` type($weight)
    (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def OST_LMHeadOp : OST_LinearLikeOp<"lm_head"> {
  let summary = "output head: logits = X · Wᵀ over the vocabulary";
  let description = [{
    The final projection to vocabulary logits. It is a linear layer that is
    never quantized (OSTQuant keeps the embedding and the head in floating
    point), so it is a separate op. With tied embeddings `weight` is the
    embedding table `tensor<V x D>`.

    ```mlir
    %logits = ost.lm_head %h, %table : tensor<1x8x64xf32>, tensor<512x64xf32> -> tensor<1x8x512xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input, TensorRankOf<[AnyFloat], [2]>:$weight);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def OST_RopeOp : OST_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates channel pairs of every head of `input : tensor<B x T x H x Dh>`
    by position-dependent angles given as tables `cos, sin : tensor<T x Dh/2>`
    (or `tensor<B x T x Dh/2>` for per-sequence positions). For pair `(a, b)`
    with angle index `i`: `a' = a·cos_i − b·sin_i`, `b' = b·cos_i + a·sin_i`.
    `layout` selects the pairing: `rotate_half` pairs channel `i` with
    `i + Dh/2` (Hugging Face), `interleaved` pairs `2i` with `2i+1`
    (llama2.c).

    ```mlir
    %qr = ost.rope %q, %cos, %sin {layout = #ost.rope_layout<rotate_half>}
        : tensor<1x8x8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input, OST_FloatTensor:$cos,
                       OST_FloatTensor:$sin,
                       DefaultValuedAttr<OST_RopeLayoutAttr,
                           "::mlir::ost::RopeLayout::RotateHalf">:$layout);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin attr-dict `:` type($input) `,` type($cos) `,` type($sin)
  }];
  let hasVerifier = 1;
}

def OST_AttentionOp : OST_Op<"attention", [Pure, AllTypesMatch<["query", "result"]>]> {
  let summary = "scaled dot-product attention with grouped KV heads";
  let description = [{
    `softmax(Q·Kᵀ·scale + mask)·V` per head, with
    `query : tensor<B x T x Hq x Dh>`, `key, value : tensor<B x S x Hkv x Dh>`
    and `Hq` a multiple of `Hkv`: query head `h` reads KV head
    `h / (Hq/Hkv)` (consecutive groups, as Hugging Face `repeat_kv`).
    `scale` defaults to `1/sqrt(Dh)`. With `causal`, query `t` attends keys
    `s ≤ t + (S − T)` (aligned at the end, so a decode step with a KV cache
    sees the whole cache). The optional additive `mask` is `tensor<T x S>`
    or `tensor<B x 1 x T x S>`. The result has the query's shape.

    ```mlir
    %o = ost.attention %q, %k, %v {causal} : tensor<1x8x8x8xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x8xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$query, OST_FloatTensor:$key,
                       OST_FloatTensor:$value, Optional<OST_FloatTensor>:$mask,
                       OptionalAttr<F64Attr>:$scale, UnitAttr:$causal);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? attr-dict `:` type($query) `,`
    type($key) `,` type($value) (`,` type($mask)^)?
  }];
  let builders = [
    OpBuilder<(ins "Value":$query, "Value":$key, "Value":$value, "bool":$causal), [{
      build($_builder, $_state, query.getType(), query, key, value, Value(),
            FloatAttr(), causal);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The softmax scale: the `scale` attribute or 1/sqrt(Dh).
    double getScaleOrDefault();
  }];
  let hasVerifier = 1;
}

class OST_ElementwiseOp<string mnemonic, list<Trait> traits = []>
    : OST_Op<mnemonic, !listconcat(traits,
          [Pure, Elementwise, SameOperandsAndResultType])>;

def OST_SiLUOp : OST_ElementwiseOp<"silu"> {
  let summary = "SiLU activation x·sigmoid(x)";
  let description = [{
    ```mlir
    %a = ost.silu %g : tensor<1x8x172xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def OST_MulOp : OST_ElementwiseOp<"mul", [Commutative]> {
  let summary = "elementwise product";
  let description = [{
    ```mlir
    %m = ost.mul %a, %u : tensor<1x8x172xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$lhs, OST_FloatTensor:$rhs);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def OST_AddOp : OST_ElementwiseOp<"add", [Commutative]> {
  let summary = "elementwise sum (residual connection)";
  let description = [{
    ```mlir
    %r = ost.add %h, %o : tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$lhs, OST_FloatTensor:$rhs);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def OST_TransposeOp : OST_Op<"transpose", [Pure]> {
  let summary = "permute the dimensions of a tensor";
  let description = [{
    `result.shape[i] = input.shape[permutation[i]]`. Two consecutive
    transposes fold into one (or into nothing when they cancel).

    ```mlir
    %t = ost.transpose %x [0, 2, 1, 3] : tensor<1x8x4x16xf32> -> tensor<1x4x8x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input $permutation attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Transform ops
//===----------------------------------------------------------------------===//

def OST_ParamOp : OST_Op<"param", [Pure]> {
  let summary = "a named learnable transform parameter";
  let description = [{
    Defines a learnable transform (`!ost.rotation`, `!ost.block_rotation`
    or `!ost.scale`). `name` identifies the parameter in checkpoints (for
    example `R_res` or `layers.3.S_ov`). `init` says how
    `ost-init-transforms` initializes it. `value`, once present, holds the
    current parameter as a dense (or `dense_resource`) tensor of the type's
    storage shape: an initialized or calibrated module therefore *is* its
    checkpoint.

    ```mlir
    %r = ost.param "R_res" {init = #ost.init<hadamard, seed = 7>} : !ost.rotation<64>
    %s = ost.param "layers.0.S_attn" {init = #ost.init<ones>, value = dense<1.0> : tensor<4xf32>} : !ost.scale<4>
    ```
  }];
  let arguments = (ins StrAttr:$name, OST_InitAttr:$init,
                       OptionalAttr<ElementsAttr>:$value);
  let results = (outs OST_LearnableTransform:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def OST_HadamardOp : OST_Op<"hadamard", [Pure]> {
  let summary = "the fixed normalized Hadamard transform of a given size";
  let description = [{
    Produces the transform `𝓗 = (H_K ⊗ H_{2^m})/sqrt(n)` of its result type
    `!ost.hadamard<n>`, for use with `ost.transform_weight` (the weight side
    of an online Hadamard) or `ost.apply` (which canonicalizes to
    `ost.online_hadamard`).

    ```mlir
    %h = ost.hadamard : !ost.hadamard<172>
    ```
  }];
  let results = (outs OST_HadamardType:$result);
  let assemblyFormat = "attr-dict `:` qualified(type($result))";
}

def OST_RepeatHeadsOp : OST_Op<"repeat_heads", [Pure]> {
  let summary = "repeat a per-KV-head transform over the query heads of its group";
  let description = [{
    With grouped-query attention a transform defined per KV head (`R_ov`,
    `S_ov`, `S_qk`) must act on the query-head layout on the other side of
    attention (the o_proj input, the q_proj output). This op repeats each
    head's block `repeats` times in consecutive order (KV head `h` covers
    query heads `h·repeats … h·repeats + repeats − 1`, as Hugging Face
    `repeat_kv`). The result is still tied to the same parameter, so the
    pair stays exact.

    ```mlir
    %ro = ost.repeat_heads %rov {head_dim = 8 : i64, repeats = 2 : i64} : !ost.block_rotation<4 x 8> -> !ost.block_rotation<8 x 8>
    %sq = ost.repeat_heads %sqk {head_dim = 8 : i64, repeats = 2 : i64} : !ost.scale<32> -> !ost.scale<64>
    ```
  }];
  let arguments = (ins AnyTypeOf<[OST_BlockRotationType, OST_ScaleType]>:$transform,
                       I64Attr:$head_dim, I64Attr:$repeats);
  let results = (outs AnyTypeOf<[OST_BlockRotationType, OST_ScaleType]>:$result);
  let assemblyFormat = "$transform attr-dict `:` type($transform) `->` type($result)";
  let hasVerifier = 1;
}

def OST_ApplyOp : OST_Op<"apply", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "apply a transform to the last dimension of an activation";
  let description = [{
    `result = input · T` (or `input · T⁻¹` with `inverse`) along the last
    dimension, whose size must equal the transform's dimension. For a
    scale `T = diag(s)`, so the op multiplies (or divides) elementwise; for a
    block rotation each block of the last dimension is multiplied by its own
    matrix. Applying a transform and then its inverse folds away.

    ```mlir
    %xr = ost.apply %r to %x : !ost.rotation<64>, tensor<1x8x64xf32>
    %xs = ost.apply %s to %n inverse : !ost.scale<64>, tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins OST_AnyTransform:$transform, OST_FloatTensor:$input,
                       UnitAttr:$inverse);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $transform `to` $input (`inverse` $inverse^)? attr-dict `:` type($transform) `,` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def OST_TransformWeightOp : OST_Op<"transform_weight",
    [Pure, AllTypesMatch<["weight", "result"]>]> {
  let summary = "apply the inverse side of a transform pair to a weight";
  let description = [{
    Keeps a linear layer exactly equivalent when its activation is
    transformed by `T` (or `T⁻¹` with `inverse`):

    * `side = input`: the weight `W : tensor<N x K>` consumes the
      transformed activation; the result is `W · T⁻ᵀ` (for a rotation
      `W·R`; for a scale `W·diag(1/s)`, or `W·diag(s)` with `inverse`).
    * `side = output`: the weight produces an activation that is then
      transformed; the result is `Tᵀ · W` (for a rotation `Rᵀ·W`, for a
      scale `diag(s)·W`). A bias `tensor<N>` is transformed the same way.

    ```mlir
    %wq = ost.transform_weight %w by %r side input : tensor<64x64xf32>, !ost.rotation<64>
    %wo = ost.transform_weight %w by %r side output : tensor<64x64xf32>, !ost.rotation<64>
    ```
  }];
  let arguments = (ins TensorRankOf<[AnyFloat], [1, 2]>:$weight,
                       OST_AnyTransform:$transform, OST_WeightSideAttr:$side,
                       UnitAttr:$inverse);
  let results = (outs TensorRankOf<[AnyFloat], [1, 2]>:$result);
  let assemblyFormat = [{
    $weight `by` $transform `side` `` $side (`inverse` $inverse^)? attr-dict
    `:` type($weight) `,` type($transform)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def OST_OnlineHadamardOp : OST_Op<"online_hadamard",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "online Hadamard transform of the last dimension (n = K·2^m)";
  let description = [{
    Multiplies the last dimension (size `n`) by `𝓗ᵀ` so that
    `result = 𝓗 · x` per row: a fast Walsh–Hadamard transform on `2^m`
    blocks, then the `K × K` Hadamard factor, then `1/sqrt(n)`. With
    `transpose` it applies `𝓗ᵀ` instead (the inverse). `n` must factor as
    `K·2^m` with a Hadamard matrix of order `K` known to ost. This op is
    what stays in the deployed model before `down_proj` and on Q/K after
    RoPE; the matching weight side is folded in with
    `ost.transform_weight ... by (ost.hadamard)`.

    ```mlir
    %mh = ost.online_hadamard %m : tensor<1x8x172xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input, UnitAttr:$transpose);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = "$input (`transpose` $transpose^)? attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Quantization ops
//===----------------------------------------------------------------------===//

def OST_FakeQuantOp : OST_Op<"fake_quant", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "quantize-dequantize with a straight-through gradient";
  let description = [{
    Rounds `input` to the grid of `spec` and maps it back to floating point,
    with scales computed dynamically from the tensor itself (min/max per
    scale group, times the clip ratio). During calibration the gradient of
    rounding is the identity (straight-through estimator) and zero outside
    the clamp range; the scale receives gradient through the group's min/max
    elements unless it was chosen by a clip search.

    With `clip_search = p` (a weight quantizer, METHOD §5.6/§5.7) every scale
    group instead tries the shrink factors `1, 0.99, …, 0.21` (80 grids of
    `(f·min, f·max)`) and keeps the first grid with the smallest
    `Σ |x̂ − x|^p`. It needs contiguous groups: `per_token`, or `per_channel`
    with `axis = 0` on a rank-2 weight.

    ```mlir
    %q = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>
    %w = ost.fake_quant %w0 {spec = #ost.qspec<4, sym, per_channel>, clip_search = 2.0} : tensor<32x64xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input, OST_QuantSpecAttr:$spec,
                       OptionalAttr<F64Attr>:$clip_search);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def OST_DynamicQuantizeOp : OST_Op<"dynamic_quantize", [Pure]> {
  let summary = "runtime per-token (per-group) activation quantization";
  let description = [{
    Quantizes `input : tensor<... x D>` with scales computed at run time:
    `spec` must be `per_token`, optionally with groups of `g` channels, so
    `scales : tensor<... x G x f32>` with `G = D/g` (or 1). `result` holds the
    integer levels in a signless integer type at least `bits` wide
    (two's-complement for `sym`, unsigned levels for `asym`). Asymmetric
    specs also return integer `zero_points` of the scales' shape.

    ```mlir
    %q, %s, %z = ost.dynamic_quantize %x {spec = #ost.qspec<4, asym, per_token>}
        : tensor<1x8x64xf32> -> tensor<1x8x64xi8>, tensor<1x8x1xf32>, tensor<1x8x1xi8>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input, OST_QuantSpecAttr:$spec);
  let results = (outs OST_IntTensor:$result, OST_FloatTensor:$scales,
                      Optional<OST_IntTensor>:$zero_points);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result) `,` type($scales) (`,` type($zero_points)^)?
  }];
  let hasVerifier = 1;
}

def OST_DequantizeOp : OST_Op<"dequantize", [Pure]> {
  let summary = "map integer levels back to floating point";
  let description = [{
    The inverse of `ost.dynamic_quantize`:
    `result = (input − zero_point) · scale` per scale group, with the layout
    rules of the same `spec`. `zero_points` is required for `asym` specs and
    not allowed for `sym` ones.

    ```mlir
    %x = ost.dequantize %q, %s zero_points %z {spec = #ost.qspec<4, asym, per_token>}
        : tensor<1x8x64xi8>, tensor<1x8x1xf32>, tensor<1x8x1xi8> -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins OST_IntTensor:$input, OST_FloatTensor:$scales,
                       Optional<OST_IntTensor>:$zero_points, OST_QuantSpecAttr:$spec);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scales (`zero_points` $zero_points^)? attr-dict `:` type($input) `,` type($scales)
    (`,` type($zero_points)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def OST_QLinearOp : OST_LinearLikeOp<"qlinear", [AttrSizedOperandSegments]> {
  let summary = "linear layer on packed low-bit weights";
  let description = [{
    `Y = X · Ŵᵀ (+ b)` where `Ŵ[n,k] = (q[n,k] − zp[n,g]) · scale[n,g]` and
    `g = k / group` (or 0 without groups).

    * `weight : tensor<N x (K·bits/8) x i8>` holds the levels packed along
      K, little end first: for 4 bits element `2j` is the low nibble of byte
      `j` and `2j+1` the high nibble; levels are two's complement for `sym`
      and unsigned for `asym`. `bits` must divide 8 (2, 4 or 8).
    * `scales : tensor<N x G x f32>` with `G = K/group` (or 1), and
      `zero_points : tensor<N x G x iM>` for asymmetric weights.
    * `weight_spec` must be `per_channel` with `axis = 0`.
    * With `act_spec` (which must be `per_token`) the activation is quantized
      dynamically first (W4A4); without it the activation stays in floating
      point (W4A16).

    ```mlir
    %y = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>,
                                 act_spec = #ost.qspec<4, asym, per_token>}
        : tensor<1x8x64xf32>, tensor<32x32xi8>, tensor<32x1xf32> -> tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins OST_FloatTensor:$input,
                       TensorRankOf<[I8], [2]>:$weight,
                       TensorRankOf<[AnyFloat], [2]>:$scales,
                       Optional<TensorRankOf<[AnySignlessInteger], [2]>>:$zero_points,
                       Optional<TensorRankOf<[AnyFloat], [1]>>:$bias,
                       OST_QuantSpecAttr:$weight_spec,
                       OptionalAttr<OST_QuantSpecAttr>:$act_spec,
                       OptionalAttr<OST_LinearRoleAttr>:$role,
                       OptionalAttr<I64Attr>:$layer);
  let results = (outs OST_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scales
    (`zero_points` `(` $zero_points^ `:` type($zero_points) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict
    `:` type($input) `,` type($weight) `,` type($scales) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // OST_DIALECT_OST_IR_OSTOPS_TD
