//===- ModelLoader.cpp - load a model from .mlir or .onnx -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Tools/ModelLoader.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#ifdef OST_HAVE_ONNX_IMPORTER
#include "ost/Importer/ONNX/ONNXImporter.h"
#endif

namespace mlir::ost {

OwningOpRef<ModuleOp> loadModel(llvm::StringRef path, MLIRContext &context) {
  Location loc = FileLineColLoc::get(&context, path, 0, 0);
  if (!llvm::sys::fs::exists(path)) {
    emitError(loc) << "model file not found";
    return {};
  }
  llvm::StringRef ext = llvm::sys::path::extension(path);
  OwningOpRef<ModuleOp> module;
  if (ext == ".onnx" || ext == ".onnxtext") {
#ifdef OST_HAVE_ONNX_IMPORTER
    FailureOr<OwningOpRef<ModuleOp>> imported =
        importONNXFile(path, context, ImportOptions());
    if (failed(imported))
      return {};
    module = std::move(*imported);
#else
    emitError(loc) << "this build has no ONNX importer";
    return {};
#endif
  } else {
    module = parseSourceFile<ModuleOp>(path, &context);
    if (!module)
      return {};
  }
  if (failed(verify(*module)))
    return {};
  return module;
}

} // namespace mlir::ost
