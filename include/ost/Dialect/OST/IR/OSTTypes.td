//===- OSTTypes.td - OST transform types -------------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTTYPES_TD
#define OST_DIALECT_OST_IR_OSTTYPES_TD

include "mlir/IR/AttrTypeBase.td"
include "ost/Dialect/OST/IR/OSTBase.td"
include "ost/Dialect/OST/IR/OSTInterfaces.td"

class OST_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<OST_Dialect, name,
              !listconcat(traits, [DeclareTypeInterfaceMethods<
                  OST_TransformTypeInterface>])> {
  let mnemonic = typeMnemonic;
}

def OST_RotationType : OST_Type<"Rotation", "rotation"> {
  let summary = "a learnable d×d orthogonal matrix";
  let description = [{
    A dense orthogonal matrix `R ∈ O(d)` acting on the last dimension of an
    activation (`x ↦ x·R`). Stored as `tensor<d x d x f32>`. Trained on the
    Stiefel manifold. OSTQuant's global residual rotation `R_res` has this
    type.

    ```mlir
    %r = ost.param "R_res" {init = #ost.init<hadamard, seed = 0>} : !ost.rotation<64>
    ```
  }];
  let parameters = (ins "int64_t":$dimension);
  let assemblyFormat = "`<` $dimension `>`";
  let genVerifyDecl = 1;
}

def OST_BlockRotationType : OST_Type<"BlockRotation", "block_rotation"> {
  let summary = "a learnable block-diagonal orthogonal matrix (one block per head)";
  let description = [{
    `blocks` independent `block_size × block_size` orthogonal matrices on the
    diagonal of a `(blocks·block_size)²` matrix. Stored as
    `tensor<blocks x block_size x block_size x f32>`. OSTQuant's per-KV-head
    value/output rotation `R_ov` has this type (one block per KV head).

    ```mlir
    %r = ost.param "layers.0.R_ov" {init = #ost.init<identity>} : !ost.block_rotation<4 x 16>
    ```
  }];
  let parameters = (ins "int64_t":$blocks, "int64_t":$blockSize);
  let assemblyFormat = "`<` $blocks `x` $blockSize `>`";
  let genVerifyDecl = 1;
}

def OST_ScaleType : OST_Type<"Scale", "scale"> {
  let summary = "a learnable diagonal scaling";
  let description = [{
    A diagonal matrix `diag(s)` acting on the last dimension
    (`x ↦ x ⊙ s`). Stored as `tensor<d x f32>`. OSTQuant's `S_attn`,
    `S_ffn`, `S_qk`, `S_ov` and `S_u|d` have this type.

    ```mlir
    %s = ost.param "layers.0.S_attn" {init = #ost.init<ones>} : !ost.scale<64>
    ```
  }];
  let parameters = (ins "int64_t":$dimension);
  let assemblyFormat = "`<` $dimension `>`";
  let genVerifyDecl = 1;
}

def OST_HadamardType : OST_Type<"Hadamard", "hadamard"> {
  let summary = "a fixed normalized Hadamard transform of size n = K·2^m";
  let description = [{
    The normalized Kronecker Hadamard `𝓗 = (H_K ⊗ H_{2^m}) / sqrt(n)` with
    `H_K` a known Hadamard matrix of order `K ∈ {1, 2, 12, 20, 28, 36, 40,
    52, 60, 108, 140, 156, 172}` and `H_{2^m}` the Sylvester matrix. It is not
    learnable and has no storage; it is applied online with a fast
    Walsh–Hadamard transform.

    ```mlir
    %h = ost.hadamard : !ost.hadamard<172>
    ```
  }];
  let parameters = (ins "int64_t":$dimension);
  let assemblyFormat = "`<` $dimension `>`";
  let genVerifyDecl = 1;
}

def OST_AnyTransform : Type<
    CPred<"::llvm::isa<::mlir::ost::TransformTypeInterface>($_self)">,
    "any ost transform type", "::mlir::ost::TransformTypeInterface">;

def OST_LearnableTransform : AnyTypeOf<
    [OST_RotationType, OST_BlockRotationType, OST_ScaleType],
    "learnable ost transform type">;

#endif // OST_DIALECT_OST_IR_OSTTYPES_TD
