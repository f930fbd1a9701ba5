//===- Passes.td - OST dialect passes ----------------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_TRANSFORMS_PASSES_TD
#define OST_DIALECT_OST_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def OSTVerifyTransformPairsPass : Pass<"ost-verify-transform-pairs", "ModuleOp"> {
  let summary = "check that every learnable transform is paired with its inverse";
  let description = [{
    OSTQuant's transforms are exact identities of the float network only
    while each transform applied to an activation (`ost.apply`) is undone on
    the weight side (`ost.transform_weight`). This pass checks, for every
    `ost.param` in the module:

    * its name is unique in the module (names key checkpoints);
    * its uses both apply `T` somewhere and undo it somewhere (an unused
      parameter is only warned about). A use *applies* `T` when it multiplies
      an activation by `T`: `ost.apply`, or a producing weight folded with
      `side output` (`Tᵀ·W`). It *undoes* `T` when it multiplies an
      activation by `T⁻¹`: `ost.apply ... inverse`, `side output inverse`,
      or a consuming weight folded with `side input` (`W·T⁻ᵀ`, which undoes
      `T` on its input). `inverse` on `side input` flips it back. Uses
      through `ost.repeat_heads` count for the parameter. This covers every
      OSTQuant pair: `R_res` (embedding apply / q,k,v,up,gate input / o,down
      output / head input), `S_attn` and `S_ffn` (norm weight apply inverse
      / linear input inverse), `S_qk` (q output inverse / k output), `R_ov`
      and `S_ov` (v output / o input), `S_u|d` (up output inverse / down
      input inverse);
    * with `require-values`, it holds a `value` (the module has been
      initialized or calibrated, so it can be folded or saved as a
      checkpoint).

    It changes nothing; it fails with a diagnostic at the offending
    parameter. Run it after any pass that creates or rewires transforms.

    Example of a broken pair (the rotation is applied but never compensated):

    ```mlir
    %r = ost.param "R_res" {init = #ost.init<hadamard>} : !ost.rotation<64>
    %xr = ost.apply %r to %x : !ost.rotation<64>, tensor<1x8x64xf32>
    // error: transform parameter 'R_res' is applied but never undone
    ```
  }];
  let options = [
    Option<"requireValues", "require-values", "bool", /*default=*/"false",
           "Require every parameter to hold a value (initialized or calibrated)">,
  ];
}

def OSTStripFakeQuantPass : Pass<"ost-strip-fake-quant"> {
  let summary = "remove fake quantization, giving the floating-point model";
  let description = [{
    Replaces every `ost.fake_quant` by its input. The result is the float
    network with the same transforms: the teacher of KL-Top calibration, and
    the reference against which quantization error is measured.

    ```mlir
    // before
    %q = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>
    %y = ost.linear %q, %w : tensor<1x8x64xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
    // after
    %y = ost.linear %x, %w : tensor<1x8x64xf32>, tensor<32x64xf32> -> tensor<1x8x32xf32>
    ```
  }];
}

def OSTFoldNormWeightsPass : Pass<"ost-fold-norm-weights", "ModuleOp"> {
  let summary = "fold RMSNorm weights into the linear layers they feed";
  let description = [{
    OSTQuant's first step (METHOD.md §2.1): every `ost.rms_norm` with a
    constant weight `γ` whose result feeds only linear layers (`ost.linear`
    as their input: q/k/v, gate/up; `ost.lm_head` for the final norm) loses
    its weight, and each consuming weight becomes `W·diag(γ)` (input columns
    scaled), computed in float64 and rounded once to the weight's type. The
    network is unchanged up to that rounding: `(x̂ ⊙ γ)·Wᵀ = x̂·(W·diag(γ))ᵀ`.

    Preconditions: weights and `γ` are f32 constants (`dense` or
    `dense_resource`). A weight shared with another user (tied embeddings:
    the head reads the embedding table) gets its own folded copy, so the
    other user still sees the original.

    A norm that cannot be folded (a consumer that is not a linear layer, a
    weight that is not a constant) is left unchanged with a warning naming
    the reason; the pass still succeeds.

    ```mlir
    // before
    %n = ost.rms_norm %x weight %g : tensor<1x8x64xf32>, tensor<64xf32>
    %q = ost.linear %n, %wq : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
    // after (%wq_g = %wq · diag(%g), a new constant)
    %n = ost.rms_norm %x : tensor<1x8x64xf32>
    %q = ost.linear %n, %wq_g : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def OSTInsertTransformsPass : Pass<"ost-insert-transforms", "ModuleOp"> {
  let summary = "insert OSTQuant's equivalent transformation pairs";
  let description = [{
    Inserts the learnable transform pairs of OSTQuant (METHOD.md §2.2–2.3)
    and the fixed online Hadamards into a LLaMA-family decoder, keeping the
    float network exactly equivalent. Each pair is an `ost.param` (a
    first-class value: initialized, calibrated, saved and loaded with the
    module) applied on one side and undone on the other:

    | `pairs=` | parameter | applied | undone |
    |---|---|---|---|
    | `res` | `R_res` (`!ost.rotation<d>`) | embedding output; o/down output rows | q/k/v/gate/up and head input columns |
    | `attn` | `layers.L.S_attn` | input norm output `÷ s` | q/k/v input columns `× s` |
    | `ffn` | `layers.L.S_ffn` | post-attention norm output `÷ s` | gate/up input columns `× s` |
    | `qk` | `layers.L.S_qk` | k output rows `× s` | q output rows `÷ s` (repeated per group) |
    | `ov` | `layers.L.S_ov`, `layers.L.R_ov` | v output rows `÷ s`, then `R_hᵀ` per KV head | o input columns (repeated per group) |
    | `ud` | `layers.L.S_ud` | up output rows `÷ s` | down input columns `× s` |

    `S_qk` ties the scales of every RoPE channel pair (`i` and `i + dh/2`
    for `rotate_half`, `2i` and `2i+1` for `interleaved`): its parameter has
    `h_kv·dh/2` entries expanded with `ost.repeat_heads`, which is what makes
    the pair exact under RoPE. Per-KV-head parameters are repeated over the
    query heads of each group (grouped-query attention).

    `down-hadamard` inserts the online Hadamard `𝓗` (size `n = K·2^m`)
    before every down_proj and `W_down·diag(s_ud)·𝓗ᵀ` on the weight (the
    exactly equivalent order of METHOD.md §2.4); `qk-hadamard` inserts the
    online Hadamard of the head size on Q and K after RoPE (for KV-cache
    quantization; no weight side, since `q·k` is unchanged). A size with no
    known Hadamard matrix is an error naming the size and the supported
    orders.

    Parameters are created without a value, with the `init` method the
    paper uses (`hadamard` for rotations, `ones` for scales); run
    `ost-init-transforms` next. `R_res` needs unit norms (run
    `ost-fold-norm-weights` first, or the pass fails naming the norm). A
    module that already holds transform parameters is rejected.

    ```mlir
    // before: %n = ost.rms_norm %x ; %q = ost.linear %n, %wq
    %sa = ost.param "layers.0.S_attn" {init = #ost.init<ones>} : !ost.scale<64>
    %na = ost.apply %sa to %n inverse : !ost.scale<64>, tensor<1x8x64xf32>
    %wq1 = ost.transform_weight %wq by %sa side input inverse : tensor<64x64xf32>, !ost.scale<64>
    %q = ost.linear %na, %wq1 : ...
    ```
  }];
  let options = [
    ListOption<"pairs", "pairs", "std::string",
               "Pairs to insert: res, attn, ffn, qk, ov, ud, or all (default) "
               "or none">,
    Option<"downHadamard", "down-hadamard", "bool", /*default=*/"true",
           "Insert the online Hadamard before every down_proj">,
    Option<"qkHadamard", "qk-hadamard", "bool", /*default=*/"false",
           "Insert the online Hadamard on Q and K after RoPE">,
  ];
}

def OSTInitTransformsPass : Pass<"ost-init-transforms", "ModuleOp"> {
  let summary = "give every transform parameter its initial value";
  let description = [{
    Sets the `value` of each `ost.param` that has none (or of every one with
    `overwrite`):

    * `method` (rotations and block rotations): `param` (default), each
      parameter's own `init` attribute; `identity`; `hadamard`, the random-sign Hadamard
      `D·𝓗ᵀ` (per block for `R_ov`); `random-orthogonal`, a Haar-random
      orthogonal matrix (QR of a Gaussian matrix); `womi` (METHOD.md §3):
      for `R_res`, the eigenvectors `Q` of the covariance of the stacked rows
      of every q/k/v/gate/up weight that `R_res` feeds, times a random-sign
      Hadamard (`Q·D·𝓗ᵀ`); for `R_ov`, per KV head, the same built from the
      o_proj input columns of the head's query group.
    * `scales`: `ones` (default) or `random` (log-normal, `exp(0.5·N(0,1))`;
      for equivalence tests).
    * `seed`: every parameter draws from its own stream derived from its
      name and the sum of this seed and the seed of its `init` attribute
      (which then records that sum), so results do not depend on the order
      of parameters and a module can pin individual seeds.

    Everything is computed in float64 and stored as float32. WOMI needs the
    weights it analyses to be constants; Hadamard-based methods need a known
    Hadamard matrix of the parameter's size (an error otherwise).
  }];
  let options = [
    Option<"method", "method", "::mlir::ost::RotationInit",
           /*default=*/"::mlir::ost::RotationInit::FromParam",
           "Rotation init: param (each parameter's init attribute), "
           "identity, hadamard, random-orthogonal or womi",
           "::mlir::ost::getRotationInitValues()">,
    Option<"scales", "scales", "::mlir::ost::ScaleInit",
           /*default=*/"::mlir::ost::ScaleInit::Ones",
           "Scale init: ones or random", "::mlir::ost::getScaleInitValues()">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "Seed of the random streams">,
    Option<"overwrite", "overwrite", "bool", /*default=*/"false",
           "Re-initialize parameters that already hold a value">,
  ];
}

def OSTFoldTransformsPass : Pass<"ost-fold-transforms", "ModuleOp"> {
  let summary = "fold every transform pair into the weights";
  let description = [{
    Turns a transformed module back into an ordinary model (METHOD.md §2.3,
    §2.5): every chain of `ost.transform_weight` on a constant weight becomes
    one new constant, computed in float64 and rounded once; `ost.apply` of a
    parameter on an embedding's output is folded into the table (`E·T`) and
    `ost.apply` of a scale on an RMSNorm's output into the norm weight
    (`γ ⊘ s`). What remains is the deployed graph: the online Hadamards
    (`ost.apply` of `ost.hadamard` becomes `ost.online_hadamard`) and the
    norm scale vectors. Parameters, Hadamards and repeat_heads left unused
    are erased.

    Every parameter must hold a value (`ost-init-transforms` or a calibrated
    checkpoint); a parameter used in a way that cannot be folded (an apply
    of a rotation anywhere but after an embedding, a non-constant weight) is
    an error naming the use.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def OSTInsertQuantizersPass : Pass<"ost-insert-quantizers", "ModuleOp"> {
  let summary = "insert the fake quantizers of a W<b>A<b>KV<b> configuration";
  let description = [{
    Inserts `ost.fake_quant` at the quantizer sites of METHOD.md §6 in every
    recognized decoder layer. `bits` is a configuration `W<b>A<b>[KV<b>]`
    (b in 2..8, or 16 for "not quantized"; KV defaults to 16):

    | site | quantizer |
    |---|---|
    | q/k/v input (one quantizer shared by the three projections) | `#ost.qspec<A, asym, per_token, clip = act-clip>` |
    | gate/up input (shared) | `#ost.qspec<A, asym, per_token, clip = act-clip>` |
    | o_proj input (collapsed attention heads) | `#ost.qspec<A, asym, per_token, group = head_dim, clip = act-clip>` |
    | down_proj input, after the online Hadamard when present | `#ost.qspec<A, asym, per_token, clip = act-clip>` |
    | K cache: key `[B, T, Hkv, dh]` after RoPE and the QK Hadamard | `#ost.qspec<KV, asym, per_token, clip = kv-clip>` |
    | V cache: value `[B, T, Hkv, dh]` | `#ost.qspec<KV, asym, per_token, clip = kv-clip>` |
    | with `weights`: every q/k/v/o/gate/up/down weight | `#ost.qspec<W, sym, per_channel>`, `clip_search = weight-clip-search` |

    A site whose bit width is 16 gets no quantizer; the embedding, the
    head and the query stay in floating point. K and V are quantized in
    their per-head form, so `per_token` is one scale per token per KV head.
    Weight quantizers (`weights=true`) are the in-the-loop weight
    quantization of W4A16 calibration (METHOD.md §5.6); real weight
    quantization is `ost-quantize-weights` or `ost-gptq`.

    The pass works on the module before `ost-fold-transforms` (linear inputs
    behind `ost.apply`, weights behind `ost.transform_weight` chains) and
    after it (constants and `ost.online_hadamard`). Preconditions: the
    module has no `ost.fake_quant` yet (the pass inserts a complete set
    once), and every ost.linear belongs to a recognized attention block or
    SwiGLU MLP (an error names the op otherwise).

    ```mlir
    // before
    %n = ost.rms_norm %x : tensor<1x8x64xf32>
    %q = ost.linear %n, %wq : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
    // after (bits=W4A4KV16)
    %n = ost.rms_norm %x : tensor<1x8x64xf32>
    %nq = ost.fake_quant %n {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>
    %q = ost.linear %nq, %wq : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
    ```
  }];
  let options = [
    Option<"bits", "bits", "std::string", /*default=*/"\"W4A4KV4\"",
           "Quantization configuration W<b>A<b>[KV<b>] (b in 2..8 or 16)">,
    Option<"actClip", "act-clip", "double", /*default=*/"1.0",
           "Clip ratio of the activation quantizers, in (0, 1]">,
    Option<"kvClip", "kv-clip", "double", /*default=*/"1.0",
           "Clip ratio of the K and V quantizers, in (0, 1]">,
    Option<"weights", "weights", "bool", /*default=*/"false",
           "Also fake-quantize the linear weights (W4A16 calibration)">,
    Option<"weightClipSearch", "weight-clip-search", "double",
           /*default=*/"2.0",
           "Error exponent of the weight quantizers' clip search (0: plain "
           "min/max)">,
  ];
}

def OSTQuantizeWeightsPass : Pass<"ost-quantize-weights", "ModuleOp"> {
  let summary = "round-to-nearest weight quantization into packed ost.qlinear";
  let description = [{
    Replaces every q/k/v/o/gate/up/down `ost.linear` whose weight is a
    constant by an `ost.qlinear` with packed integer levels (METHOD.md §5.7,
    the RTN alternative to GPTQ): each output channel (or each group of
    `group` input columns of it) gets the grid chosen by the clip search
    (`clip-search = p`: the shrink factors `1, 0.99, …, 0.21` of its
    min/max, keeping the one with the smallest `Σ|ŵ − w|^p`; 0 means plain
    min/max), levels are rounded to nearest and packed along the input
    dimension, little end first (`docs/Quantization.md`). Scales are
    `[N, G] f32` and, with `sym=false`, zero points `[N, G] i8`. The
    embedding and `ost.lm_head` stay in floating point.

    A linear whose input is a `per_token` `ost.fake_quant` without a clip
    search takes it as its `act_spec` (bit-identical: the qlinear quantizes
    its input the same way), so a quantized module states its activation
    bits on the op; run `ost-insert-quantizers` first. A weight fake
    quantizer (`ost-insert-quantizers{weights=true}`) is superseded and
    removed.

    Preconditions: transforms are folded (`ost-fold-transforms`); a linear
    whose weight is not a constant is an error naming it. `bits` must be 2,
    4 or 8 (levels are packed into bytes) and `group` must divide every
    quantized linear's input features.

    ```mlir
    // before
    %nq = ost.fake_quant %n {spec = #ost.qspec<4, asym, per_token>} : tensor<1x8x64xf32>
    %q = ost.linear %nq, %wq : tensor<1x8x64xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
    // after
    %q = ost.qlinear %n, %packed, %scales {act_spec = #ost.qspec<4, asym, per_token>,
                                         weight_spec = #ost.qspec<4, sym, per_channel>}
        : tensor<1x8x64xf32>, tensor<64x32xi8>, tensor<64x1xf32> -> tensor<1x8x64xf32>
    ```
  }];
  let options = [
    Option<"bits", "bits", "unsigned", /*default=*/"4",
           "Weight bits: 2, 4 or 8">,
    Option<"group", "group", "int64_t", /*default=*/"0",
           "Input columns per scale group (0: one scale per output channel)">,
    Option<"sym", "sym", "bool", /*default=*/"true",
           "Symmetric grid (false: asymmetric with zero points)">,
    Option<"clipSearch", "clip-search", "double", /*default=*/"2.4",
           "Error exponent of the per-channel clip search (0: plain "
           "min/max)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // OST_DIALECT_OST_TRANSFORMS_PASSES_TD
