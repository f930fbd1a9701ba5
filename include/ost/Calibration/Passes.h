//===- Passes.h - data-driven passes of ost ---------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CALIBRATION_PASSES_H
#define OST_CALIBRATION_PASSES_H

#include "ost/Calibration/TransformCalibration.h"
#include "ost/Optim/Losses.h"
#include "ost/Support/ExactDouble.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::ost {

#define GEN_PASS_DECL
#include "ost/Calibration/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "ost/Calibration/Passes.h.inc"

} // namespace mlir::ost

#endif // OST_CALIBRATION_PASSES_H
