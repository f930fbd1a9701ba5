//===- ModelLoader.h - load a model from .mlir or .onnx ---------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Shared by the tools (ost-run, ost-compile): a model file is either OST IR
// (.mlir, .mlirbc) or an ONNX model (.onnx, .onnxtext) that is imported.
//
//===----------------------------------------------------------------------===//

#ifndef OST_TOOLS_MODELLOADER_H
#define OST_TOOLS_MODELLOADER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::ost {

/// Loads `path`, dispatching on its extension, and verifies it. Errors are
/// reported through the context's diagnostic handlers (naming the file);
/// returns a null module on failure.
OwningOpRef<ModuleOp> loadModel(llvm::StringRef path, MLIRContext &context);

} // namespace mlir::ost

#endif // OST_TOOLS_MODELLOADER_H
