//===- ONNXImporter.h - import ONNX models into the OST dialect -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The narrow public API of the ONNX importer. A model (binary ModelProto or
// the ONNX textual syntax, with external-data weights next to it) becomes a
// module with one `func.func` in three stages:
//
//   1. mechanical import: every node becomes a generic op `onnx.<OpType>`
//      (`onnx.<domain>.<OpType>` outside the default domain) with its
//      attributes, typed from the model's value_info, ONNX shape inference
//      and the importer's own symbolic shape propagation;
//   2. raising: rewrite patterns turn the LLaMA-family subgraphs into OST ops
//      (`ost.embedding`, `ost.rms_norm`, `ost.linear`, `ost.rope`,
//      `ost.attention`, `ost.silu`, `ost.lm_head`, ...) and upstream tensor
//      reshapes;
//   3. check: any op still named `onnx.*` is reported, one diagnostic per
//      node, and the import fails.
//
// See docs/ONNXImport.md for the mapping table and the rules.
//
//===----------------------------------------------------------------------===//

#ifndef OST_IMPORTER_ONNX_ONNXIMPORTER_H
#define OST_IMPORTER_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::ost {

/// How the bytes of a model are to be read.
enum class ONNXModelFormat {
  /// `.onnxtext` / `.txt` files and buffers starting with `<` are text,
  /// everything else is a binary ModelProto.
  Auto,
  /// A serialized `onnx.ModelProto`.
  Binary,
  /// The ONNX textual syntax (onnx/defs/parser.h), with the ost extension of
  /// an optional node name in brackets before a node: `["/a/b"] y = Op(x)`.
  Text,
};

/// Options of the ONNX importer. Every field has a default that imports a
/// torch.onnx / HF optimum LLaMA export as it is.
struct ImportOptions {
  /// Folder holding the external-data files of the initializers. Empty: the
  /// folder of the model file (the current folder for a buffer without a
  /// file name). Locations must stay inside this folder: absolute paths and
  /// `..` components are refused.
  std::string externalDataDir;

  /// Tensors (initializers and `Constant` values) with at least this many
  /// elements become `dense_resource` blobs; smaller ones are inline
  /// `dense<...>` attributes. Values <= 0 make every tensor a blob.
  int64_t resourceThreshold = 64;

  /// Raise to OST ops (stage 2) and require that nothing of ONNX is left
  /// (stage 3). False stops after the mechanical import: the result keeps
  /// the generic `onnx.*` ops (printed in generic form; parse it back with
  /// `--allow-unregistered-dialect`). Meant for debugging patterns.
  bool raise = true;

  /// Name of the generated function.
  std::string functionName = "forward";

  /// Sizes for symbolic dimensions (`dim_param`), e.g. {"batch", 1}. Every
  /// graph input, output and value_info dimension with that name becomes
  /// static before shape inference.
  std::map<std::string, int64_t> dimOverrides;

  /// How to read the bytes.
  ONNXModelFormat format = ONNXModelFormat::Auto;
};

/// Imports the model in file `path` (`-` reads stdin). Errors are reported
/// through `context`'s diagnostic engine; on failure nothing is returned.
FailureOr<OwningOpRef<ModuleOp>>
importONNXFile(StringRef path, MLIRContext &context,
               const ImportOptions &options = {});

/// Imports a model held in memory. `bufferName` is used in locations and,
/// when `options.externalDataDir` is empty, its folder holds the external
/// data.
FailureOr<OwningOpRef<ModuleOp>>
importONNXBuffer(StringRef buffer, StringRef bufferName, MLIRContext &context,
                 const ImportOptions &options = {});

/// Registers the dialects the importer produces (OST, func, arith, math,
/// tensor).
void registerONNXImporterDialects(DialectRegistry &registry);

/// Registers the `--import-onnx` translation for mlir-translate style tools.
/// `getOptions` is called once per translation (after the command line has
/// been parsed) so a tool can map its own flags onto ImportOptions; without
/// it the defaults are used. `registerDialects`, if given, registers further
/// dialects for the translation's context (e.g. ost::registerAllDialects).
void registerImportONNXTranslation(
    std::function<ImportOptions()> getOptions = nullptr,
    std::function<void(DialectRegistry &)> registerDialects = nullptr);

} // namespace mlir::ost

#endif // OST_IMPORTER_ONNX_ONNXIMPORTER_H
