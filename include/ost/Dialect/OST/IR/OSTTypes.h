//===- OSTTypes.h - OST transform types -------------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTTYPES_H
#define OST_DIALECT_OST_IR_OSTTYPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "ost/Dialect/OST/IR/OSTTypeInterfaces.h.inc"

#define GET_TYPEDEF_CLASSES
#include "ost/Dialect/OST/IR/OSTTypes.h.inc"

#endif // OST_DIALECT_OST_IR_OSTTYPES_H
