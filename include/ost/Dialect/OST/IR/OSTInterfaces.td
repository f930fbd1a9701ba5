//===- OSTInterfaces.td - OST dialect interfaces -----------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTINTERFACES_TD
#define OST_DIALECT_OST_IR_OSTINTERFACES_TD

include "mlir/IR/OpBase.td"

def OST_TransformTypeInterface : TypeInterface<"TransformTypeInterface"> {
  let cppNamespace = "::mlir::ost";
  let description = [{
    A linear transformation `T` of the last dimension of an activation. Every
    transform type knows the dimension `d` it acts on, whether it is
    orthogonal (`T⁻¹ = Tᵀ`), and the shape of the dense tensor that stores
    its parameters (used by `ost.param`'s `value` and by checkpoints).
  }];
  let methods = [
    InterfaceMethod<"Returns the size of the dimension the transform acts on.",
      "int64_t", "getDim">,
    InterfaceMethod<"Returns true if the transform is orthogonal (T⁻¹ = Tᵀ).",
      "bool", "isOrthogonal">,
    InterfaceMethod<[{Returns the shape of the stored parameter tensor, or an
      empty shape for transforms that have no learnable storage.}],
      "::llvm::SmallVector<int64_t>", "getStorageShape">,
    InterfaceMethod<"Returns true if the transform can be learned (has storage).",
      "bool", "isLearnable">,
  ];
}

def OST_LinearOpInterface : OpInterface<"LinearOpInterface"> {
  let cppNamespace = "::mlir::ost";
  let description = [{
    An op that multiplies the last dimension of an activation by a weight
    matrix: `Y = X · Wᵀ`. Implemented by `ost.linear`, `ost.lm_head` and
    `ost.qlinear`, so analyses (QSUR, calibration statistics, GPTQ Hessians)
    can treat every matrix product alike.
  }];
  let methods = [
    InterfaceMethod<"Returns the activation operand X.",
      "::mlir::Value", "getActivation", (ins), [{}],
      [{ return $_op.getInput(); }]>,
    InterfaceMethod<"Returns the number of input features (columns of W).",
      "int64_t", "getInFeatures">,
    InterfaceMethod<"Returns the number of output features (rows of W).",
      "int64_t", "getOutFeatures">,
  ];
}

#endif // OST_DIALECT_OST_IR_OSTINTERFACES_TD
