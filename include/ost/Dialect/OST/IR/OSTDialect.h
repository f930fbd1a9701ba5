//===- OSTDialect.h - OST dialect -------------------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTDIALECT_H
#define OST_DIALECT_OST_IR_OSTDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "ost/Dialect/OST/IR/OSTDialect.h.inc"

#endif // OST_DIALECT_OST_IR_OSTDIALECT_H
