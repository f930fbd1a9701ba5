//===- Transforms.h - OST rewrite pattern sets ------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Reusable pattern groups of the OST dialect's passes (populate* only).
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_TRANSFORMS_TRANSFORMS_H
#define OST_DIALECT_OST_TRANSFORMS_TRANSFORMS_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::ost {

/// Patterns that replace every `ost.fake_quant` by its input.
void populateStripFakeQuantPatterns(RewritePatternSet &patterns);

} // namespace mlir::ost

#endif // OST_DIALECT_OST_TRANSFORMS_TRANSFORMS_H
