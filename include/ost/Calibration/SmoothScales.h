//===- SmoothScales.h - SmoothQuant scales from activation statistics -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// SmoothQuant (Xiao et al., 2023) as a use of the transform pairs: every
// learnable scale applied (inverted) to an activation that feeds linear
// layers gets s_j = max|X_j|^α / max|W_j|^(1−α), where max|X_j| is the
// largest magnitude of channel j over the calibration tokens and max|W_j| the
// largest magnitude in column j of every consumer's weight. The activation
// is divided by s and the weights' columns multiplied by it, which moves
// quantization difficulty from activations to weights.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CALIBRATION_SMOOTHSCALES_H
#define OST_CALIBRATION_SMOOTHSCALES_H

#include "ost/Calibration/CalibrationData.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::ost {

/// Sets every `ost.param` scale that an `ost.apply ... inverse` puts on the
/// input of linear layers to the SmoothQuant value for `alpha`, measured by
/// running `function` on `blocks` (batches of `batchSize`). The scales must
/// currently be ones (the statistics are taken through them). Fails with a
/// diagnostic otherwise, or when no scale qualifies.
LogicalResult setSmoothQuantScales(ModuleOp module, StringRef function,
                                   const std::vector<TokenBlock> &blocks,
                                   double alpha, int64_t batchSize,
                                   unsigned numThreads);

} // namespace mlir::ost

#endif // OST_CALIBRATION_SMOOTHSCALES_H
