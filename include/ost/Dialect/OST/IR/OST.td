//===- OST.td - OST dialect umbrella -----------------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_IR_OST_TD
#define OST_DIALECT_OST_IR_OST_TD

include "ost/Dialect/OST/IR/OSTBase.td"
include "ost/Dialect/OST/IR/OSTInterfaces.td"
include "ost/Dialect/OST/IR/OSTAttrs.td"
include "ost/Dialect/OST/IR/OSTTypes.td"
include "ost/Dialect/OST/IR/OSTOps.td"

#endif // OST_DIALECT_OST_IR_OST_TD
