//===- Passes.h - OST dialect passes ----------------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_TRANSFORMS_PASSES_H
#define OST_DIALECT_OST_TRANSFORMS_PASSES_H

#include "ost/Dialect/OST/Transforms/InitChoices.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::ost {

#define GEN_PASS_DECL
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

} // namespace mlir::ost

#endif // OST_DIALECT_OST_TRANSFORMS_PASSES_H
