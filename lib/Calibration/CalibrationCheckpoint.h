//===- CalibrationCheckpoint.h - save and resume calibration ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A checkpoint holds everything a calibration step depends on: the float64
// parameters, every optimizer state, the next step and the first step's loss
// (for the divergence guard), plus a fingerprint of the settings that change
// the trajectory. Resuming with different settings is refused, so a resumed
// run ends bit-identical to an uninterrupted one. Files are written to
// `<path>.tmp` and renamed, so a run killed while saving keeps the previous
// checkpoint.
//
// Format (little-endian, version 1): "OSTCKPT1", the fingerprint, next step
// (i64), first loss (f64), the number of parameters (u32), then per
// parameter its name, rank and shape, values (f64), and optimizer states
// (step, m, v).
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_CALIBRATION_CALIBRATIONCHECKPOINT_H
#define OST_LIB_CALIBRATION_CALIBRATIONCHECKPOINT_H

#include "ParameterSet.h"

#include "llvm/Support/Error.h"

namespace mlir::ost {

/// The progress a checkpoint records besides the parameters.
struct CheckpointProgress {
  int64_t nextStep = 0;
  double firstLoss = 0.0;
};

/// Writes `params` and `progress` to `path` atomically.
llvm::Error saveCheckpoint(StringRef path, const ParameterSet &params,
                           const CheckpointProgress &progress,
                           StringRef fingerprint);

/// Reads `path` into `params` (which must hold the same parameters, names and
/// shapes) and returns the progress. Fails naming the file and the mismatch,
/// and then leaves `params` unchanged. Every optimizer state must be one the
/// optimizer accepts (`rotationSecondMoment`: rotations keep Riemannian
/// Adam's one-value second moment; false for Cayley SGD), and every value
/// finite.
llvm::Expected<CheckpointProgress> loadCheckpoint(StringRef path,
                                                  ParameterSet &params,
                                                  StringRef fingerprint,
                                                  bool rotationSecondMoment);

/// loadCheckpoint on bytes already read; `path` names them in messages.
llvm::Expected<CheckpointProgress>
parseCheckpoint(StringRef data, StringRef path, ParameterSet &params,
                StringRef fingerprint, bool rotationSecondMoment);

} // namespace mlir::ost

#endif // OST_LIB_CALIBRATION_CALIBRATIONCHECKPOINT_H
