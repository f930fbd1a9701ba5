//===- OSTOps.h - OST dialect operations ------------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTOPS_H
#define OST_DIALECT_OST_IR_OSTOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "ost/Dialect/OST/IR/OSTOpInterfaces.h.inc"

#define GET_OP_CLASSES
#include "ost/Dialect/OST/IR/OSTOps.h.inc"

#endif // OST_DIALECT_OST_IR_OSTOPS_H
