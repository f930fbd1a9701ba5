//===- OSTDialect.cpp - OST dialect registration --------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTDialect.h"

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ost;

#include "ost/Dialect/OST/IR/OSTDialect.cpp.inc"

void OSTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ost/Dialect/OST/IR/OSTOps.cpp.inc"
      >();
  registerTypes();
  registerAttributes();
}
