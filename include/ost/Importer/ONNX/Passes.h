//===- Passes.h - passes of the ONNX importer -------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_IMPORTER_ONNX_PASSES_H
#define OST_IMPORTER_ONNX_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::ost {

#define GEN_PASS_DECL
#include "ost/Importer/ONNX/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "ost/Importer/ONNX/Passes.h.inc"

} // namespace mlir::ost

#endif // OST_IMPORTER_ONNX_PASSES_H
