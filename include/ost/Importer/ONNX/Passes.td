//===- Passes.td - passes of the ONNX importer -------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_IMPORTER_ONNX_PASSES_TD
#define OST_IMPORTER_ONNX_PASSES_TD

include "mlir/Pass/PassBase.td"

def OSTRaiseONNXPass : Pass<"ost-raise-onnx", "ModuleOp"> {
  let summary = "raise generic onnx.* ops to the OST dialect (import stages 2 and 3)";
  let description = [{
    Runs the importer's raising patterns (docs/ONNXImport.md) on IR of
    generic `onnx.<OpType>` ops, as `ost-translate --import-onnx
    --import-onnx-no-raise` prints it or as written by hand, then reports
    every op still named `onnx.*` with its node name and why no pattern
    raised it, and fails. It is what `--import-onnx` does after the
    mechanical import, so a pattern can be tested on the few ops it matches:

    ```
    ost-translate --import-onnx --import-onnx-no-raise model.onnx |
      ost-opt --allow-unregistered-dialect --ost-raise-onnx --canonicalize --cse
    ```

    prints what `ost-translate --import-onnx model.onnx` prints.

    Sizes the patterns must prove equal (a RoPE table sliced to the query's
    sequence length, a reshape target computed by `Shape`/`Gather`/`Concat`)
    are read from the importer's symbolic-shape annotations, which the pass
    removes: `onnx.dims` on function arguments and `onnx.result_dims` /
    `onnx.result_contents` on ops, each an array of sizes or names per
    result (`"B"` is the model's `dim_param` B, `"?3"` a symbol the importer
    made, `unit` nothing recorded). Without them every `?` is a size of its
    own, so hand-written IR with dynamic sizes needs them where a pattern
    compares sizes.
  }];
  let options = [
    Option<"resourceThreshold", "resource-threshold", "int64_t", "64",
           "Tensors the patterns create (transposed weights, RoPE tables) "
           "with at least this many elements become dense_resource blobs "
           "(<= 0: all)">,
  ];
  let dependentDialects = [
    "::mlir::ost::OSTDialect", "::mlir::func::FuncDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // OST_IMPORTER_ONNX_PASSES_TD
