//===- OSTAttrs.h - OST attributes and enums --------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OSTATTRS_H
#define OST_DIALECT_OST_IR_OSTATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "ost/Dialect/OST/IR/OSTEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "ost/Dialect/OST/IR/OSTAttrs.h.inc"

#endif // OST_DIALECT_OST_IR_OSTATTRS_H
