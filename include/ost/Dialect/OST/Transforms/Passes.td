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

#endif // OST_DIALECT_OST_TRANSFORMS_PASSES_TD
