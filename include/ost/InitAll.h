//===- InitAll.h - register everything ost provides -------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// One registration point shared by ost-opt, ost-compile and tests.
//
//===----------------------------------------------------------------------===//

#ifndef OST_INITALL_H
#define OST_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::ost {

/// Registers the OST dialect and every upstream dialect and extension ost's
/// pipelines produce or consume.
void registerAllDialects(DialectRegistry &registry);

/// Registers ost's passes and pass pipelines.
void registerAllPasses();

} // namespace mlir::ost

#endif // OST_INITALL_H
