//===- Passes.h - conversions out of the OST dialect ------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CONVERSION_PASSES_H
#define OST_CONVERSION_PASSES_H

#include "ost/Conversion/OSTToNVVM/KernelElementType.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::ost {

#define GEN_PASS_DECL
#include "ost/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "ost/Conversion/Passes.h.inc"

} // namespace mlir::ost

#endif // OST_CONVERSION_PASSES_H
