//===- OSTBase.td - OST dialect definition -----------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTBASE_TD
#define OST_DIALECT_OST_IR_OSTBASE_TD

include "mlir/IR/OpBase.td"

def OST_Dialect : Dialect {
  let name = "ost";
  let cppNamespace = "::mlir::ost";
  let summary = "LLaMA-family models, OSTQuant transform pairs and low-bit quantization";
  let description = [{
    The `ost` dialect describes decoder-only language models (LLaMA family:
    RMSNorm, rotary position embedding, grouped-query attention, SwiGLU MLP)
    at the granularity that 4-bit quantization works at, and the learnable
    equivalent transformations of OSTQuant (ICLR 2025) that make them
    quantizable.

    It has three groups of operations:

    * **Model ops on tensors** (`ost.embedding`, `ost.rms_norm`,
      `ost.linear`, `ost.rope`, `ost.attention`, `ost.silu`, `ost.mul`,
      `ost.add`, `ost.transpose`, `ost.lm_head`). Activations are
      `tensor<B x T x D>` with tokens as rows; a linear computes
      `Y = X · Wᵀ` with `W : tensor<out x in>` (PyTorch layout). Attention
      works on heads-explicit tensors `tensor<B x T x H x Dh>`.
    * **Transform ops.** A transform is a first-class SSA value of a
      transform type (`!ost.rotation<d>`, `!ost.block_rotation<h x dh>`,
      `!ost.scale<d>`, `!ost.hadamard<n>`). Learnable transforms are created
      by `ost.param`, which carries its initialization method and, once
      initialized or calibrated, its value; saving the module therefore saves
      the calibration checkpoint. `ost.apply` applies a transform `T` to an
      activation (`x ↦ x·T`); `ost.transform_weight` applies the matching
      inverse to a weight so that the pair is an exact identity of the float
      network:

      ```
      consumer side (input columns):  (x·T) · (W·T⁻ᵀ)ᵀ = x · Wᵀ
      producer side (output rows):    (x · (Tᵀ·W)ᵀ)    = (x · Wᵀ)·T
      ```

      **Invariant: a transform and its inverse stay paired.** Every
      `ost.apply` of a parameter is matched by the `ost.transform_weight`
      uses that undo it, until `ost-fold-transforms` multiplies the pairs
      into the weights (in float64). Only fixed online Hadamards
      (`ost.online_hadamard`) and norm scale vectors survive folding.
    * **Quantization ops.** `ost.fake_quant` (quantize-dequantize with a
      straight-through gradient during calibration), `ost.dynamic_quantize`
      and `ost.dequantize` (runtime activation quantization with per-token or
      per-group scales), and `ost.qlinear` (a linear on packed low-bit
      weights with per-channel or per-group scales). All share one
      quantizer description, `#ost.qspec<...>`.

    Discardable attributes (verified by the dialect; any other `ost.` name
    is an error):

    * `ost.quantization` (string, on a module): what the model is,
      "<method> <bits>", recorded by `ost-compile`.
    * `ost.model_info` (`#ost.model_info`, on a module): the sizes of the
      compiled model that `convert-ost-to-cpu` records for the CPU backend;
      its parameters are the runtime ABI's entries
      (`runtime/include/ost/runtime/ModelABI.def`).
    * `ost.gpu_kernel` (nested symbol reference, on `ost.qlinear`): the NVVM
      kernel that computes it.
    * `ost.tile` (array of positive i64, on a function) and
      `ost.dynamic_smem` (non-negative integer, on a function): a generated
      GPU kernel's tile and dynamic shared memory bytes.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasCanonicalizer = 0;
  let hasOperationAttrVerify = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

/// Base class of every op of the dialect.
class OST_Op<string mnemonic, list<Trait> traits = []>
    : Op<OST_Dialect, mnemonic, traits>;

#endif // OST_DIALECT_OST_IR_OSTBASE_TD
