//===- OSTAttrs.td - OST attributes and enums --------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTATTRS_TD
#define OST_DIALECT_OST_IR_OSTATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "ost/Dialect/OST/IR/OSTBase.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def OST_RopeLayout : I32Enum<"RopeLayout", "rotary embedding channel pairing", [
    I32EnumCase<"RotateHalf", 0, "rotate_half">,
    I32EnumCase<"Interleaved", 1, "interleaved">]> {
  let cppNamespace = "::mlir::ost";
}
def OST_RopeLayoutAttr : EnumAttr<OST_Dialect, OST_RopeLayout, "rope_layout"> {
  let assemblyFormat = "`<` $value `>`";
  let summary = "which channels RoPE rotates together";
  let description = [{
    `rotate_half` (Hugging Face LLaMA): channel `i` pairs with `i + dh/2`.
    `interleaved` (llama2.c, Meta's original): channel `2i` pairs with `2i+1`.
  }];
}

def OST_InitMethod : I32Enum<"InitMethod", "initialization of a learnable transform", [
    I32EnumCase<"Identity", 0, "identity">,
    I32EnumCase<"Hadamard", 1, "hadamard">,
    I32EnumCase<"RandomOrthogonal", 2, "random_orthogonal">,
    I32EnumCase<"Womi", 3, "womi">,
    I32EnumCase<"Ones", 4, "ones">]> {
  let cppNamespace = "::mlir::ost";
}

def OST_Granularity : I32Enum<"Granularity", "which elements share a quantization scale", [
    I32EnumCase<"PerTensor", 0, "per_tensor">,
    I32EnumCase<"PerToken", 1, "per_token">,
    I32EnumCase<"PerChannel", 2, "per_channel">]> {
  let cppNamespace = "::mlir::ost";
}

def OST_WeightSide : I32Enum<"WeightSide", "which side of a weight a transform is folded into", [
    I32EnumCase<"Input", 0, "input">,
    I32EnumCase<"Output", 1, "output">]> {
  let cppNamespace = "::mlir::ost";
}
def OST_WeightSideAttr : EnumAttr<OST_Dialect, OST_WeightSide, "side"> {
  let assemblyFormat = "$value";
  let summary = "the weight side a transform is folded into";
  let description = [{
    `input`: the weight consumes the transformed activation and becomes
    `W·T⁻ᵀ` (input columns). `output`: the weight produces an activation that
    is then transformed and becomes `Tᵀ·W` (output rows).
  }];
}

def OST_LinearRole : I32Enum<"LinearRole", "role of a linear layer in a decoder layer", [
    I32EnumCase<"QProj", 0, "q_proj">,
    I32EnumCase<"KProj", 1, "k_proj">,
    I32EnumCase<"VProj", 2, "v_proj">,
    I32EnumCase<"OProj", 3, "o_proj">,
    I32EnumCase<"GateProj", 4, "gate_proj">,
    I32EnumCase<"UpProj", 5, "up_proj">,
    I32EnumCase<"DownProj", 6, "down_proj">]> {
  let cppNamespace = "::mlir::ost";
}
def OST_LinearRoleAttr : EnumAttr<OST_Dialect, OST_LinearRole, "role"> {
  let assemblyFormat = "`<` $value `>`";
  let summary = "the role of a linear layer inside a LLaMA decoder layer";
  let description = [{
    Set by the importer when it recognizes the layer structure; transform
    insertion uses it to find where each OSTQuant pair belongs.
  }];
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def OST_InitAttr : AttrDef<OST_Dialect, "Init"> {
  let mnemonic = "init";
  let summary = "how a learnable transform is initialized";
  let description = [{
    `identity`, `hadamard` (a random-sign normalized Hadamard), or
    `random_orthogonal` (QR of a Gaussian matrix) for rotations; `womi`
    (weight-outlier-minimizing: eigenvectors of the stacked weight
    covariance times a random-sign Hadamard); `ones` for scales. `seed`
    makes random initializations reproducible (default 0).

    ```mlir
    #ost.init<hadamard, seed = 42>
    #ost.init<ones>
    ```
  }];
  let parameters = (ins EnumParameter<OST_InitMethod>:$method,
                        DefaultValuedParameter<"uint64_t", "0">:$seed);
  let assemblyFormat = "`<` $method (`,` `seed` `=` $seed^)? `>`";
}

def OST_QuantSpecAttr : AttrDef<OST_Dialect, "QuantSpec"> {
  let mnemonic = "qspec";
  let summary = "a uniform quantizer: bits, symmetry, granularity, groups, clipping";
  let description = [{
    One description of a uniform integer quantizer, shared by the fake
    quantizer, runtime activation quantization and packed weights.

    * `bits`: 2 to 8.
    * `sym` / `asym`: symmetric (`q ∈ [−2^(b−1), 2^(b−1)−1]`,
      `scale = max(−min/2^(b−1), max/(2^(b−1)−1))`, no zero point) or
      asymmetric (`q ∈ [0, 2^b−1]`, `scale = (max−min)/(2^b−1)` with the
      range forced to include 0, `zp = round(−min/scale)`).
    * granularity: `per_tensor` (one scale), `per_token` (one scale per
      row of the last dimension: a token's vector, or a weight's output
      channel for `W[out,in]`), or `per_channel` (one scale per index along
      `axis`, reducing over every other dimension; `axis = 0` on `W[out,in]`
      is per output channel).
    * `group = g`: split the last dimension into groups of `g` contiguous
      elements with one scale each (per token per head when `g = dh`).
      Not allowed with `per_tensor`.
    * `clip = c`: scale the range by `c ∈ (0, 1]` before computing the scale.

    ```mlir
    #ost.qspec<4, asym, per_token>
    #ost.qspec<4, asym, per_token, group = 128, clip = 0.9>
    #ost.qspec<4, sym, per_channel>
    #ost.qspec<8, sym, per_channel, axis = 1>
    ```
  }];
  let parameters = (ins "unsigned":$bits, "bool":$symmetric,
                        EnumParameter<OST_Granularity>:$granularity,
                        DefaultValuedParameter<"int64_t", "0">:$axis,
                        DefaultValuedParameter<"int64_t", "0">:$groupSize,
                        DefaultValuedParameter<"::llvm::APFloat", "::llvm::APFloat(1.0)">:$clipRatio);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Smallest and largest integer level of the quantizer.
    int64_t getQMin() const;
    int64_t getQMax() const;
    /// The clip ratio as a double.
    double getClipRatioValue() const;
    /// Number of elements of the last dimension sharing one scale for a
    /// last dimension of size `lastDim` (group size, or lastDim).
    int64_t getReductionSize(int64_t lastDim) const;
  }];
}

def OST_ModelInfoAttr : AttrDef<OST_Dialect, "ModelInfo"> {
  let mnemonic = "model_info";
  let summary = "the sizes of a model lowered for the CPU runtime";
  let description = [{
    What `convert-ost-to-cpu` records on the module as `ost.model_info` for
    the backend, which writes it into the compiled model's
    `ostrt_model_info` (runtime/include/ost/runtime/ModelABI.def): the
    vocabulary, layers, KV heads and head size, the positions the RoPE
    tables cover, the KV cache quantizers (bits 16: float) and the bytes of
    the embedding tables only `ost.embedding` reads. The parameters are the
    `.def`'s entries taken from the attribute, by name and type;
    `ModelInfoAttr::lookup` reads one by its `.def` name and a unit test
    (OSTDialectTests) checks that every such entry has one. Entries are
    printed in this order and parsed in any order; a missing, repeated or
    unknown entry is an error naming it.

    ```mlir
    #ost.model_info<vocab_size = 32000, num_layers = 22, num_kv_heads = 4,
                    head_dim = 64, max_positions = 2048, k_bits = 4,
                    v_bits = 4, k_clip = 1.0 : f32, v_clip = 0.95 : f32,
                    embedding_bytes = 262144000>
    ```
  }];
  let parameters = (ins "int64_t":$vocab_size, "int64_t":$num_layers,
                        "int64_t":$num_kv_heads, "int64_t":$head_dim,
                        "int64_t":$max_positions, "int64_t":$k_bits,
                        "int64_t":$v_bits, "::mlir::FloatAttr":$k_clip,
                        "::mlir::FloatAttr":$v_clip,
                        "int64_t":$embedding_bytes);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The entry of ModelABI.def named `name` (`vocab_size`, `k_clip`, ...)
    /// as a double (integers are exact below 2^53); std::nullopt for a name
    /// that is not a parameter.
    std::optional<double> lookup(::llvm::StringRef name) const;
  }];
}

#endif // OST_DIALECT_OST_IR_OSTATTRS_TD
