//===- TransformCalibration.h - learn transform pairs on text ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The calibration driver (METHOD §4–§5): optimizes every `ost.param` of a
// module (rotations on the Stiefel manifold, scales in Euclidean space) so
// that the fake-quantized student matches its float teacher on calibration
// text. The student is the module as given (transforms unfolded, fake
// quantizers in place); the teacher is the same module with every
// `ost.fake_quant` removed and the transforms folded at their initial
// values, i.e. the γ-folded float model (all pairs are exact equivalences).
//
// Each step draws `batchSize` blocks of `seqLen` tokens (a per-epoch shuffle
// that depends only on the seed and the step), runs teacher and student
// through the reference executor, backpropagates the loss (KL-Top by default)
// to the parameters, clips the global gradient norm, and updates rotations
// with Riemannian Adam (or SpinQuant's Cayley SGD) and scales with Adam
// under a decaying learning rate. Parameters and optimizer states are kept in
// float64; the executor sees them rounded to float32.
//
// Checkpoints hold the parameters, the optimizer states and the step, so a
// resumed run ends bit-identical to an uninterrupted one. A non-finite or
// diverging loss stops the run, keeps the last parameters that gave a good
// loss (in the module and in the checkpoint) and fails with a message.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CALIBRATION_TRANSFORMCALIBRATION_H
#define OST_CALIBRATION_TRANSFORMCALIBRATION_H

#include "ost/Calibration/CalibrationData.h"
#include "ost/Optim/Losses.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::ost {

/// The update rule of rotation parameters.
enum class RotationOptimizer {
  /// geoopt RiemannianAdam on the canonical Stiefel manifold (OSTQuant).
  RiemannianAdam,
  /// SGDG with the Cayley transform (SpinQuant).
  CayleySGD,
};

/// The learning-rate schedule.
enum class LearningRateSchedule { Linear, Cosine, Constant };

/// Settings of one calibration run. The defaults are OSTQuant's (METHOD §5).
struct TransformCalibrationOptions {
  CalibrationDataOptions data;
  int64_t steps = 100;
  int64_t batchSize = 4;
  uint64_t seed = 42;
  ::ost::optim::LossOptions loss;
  RotationOptimizer rotationOptimizer = RotationOptimizer::RiemannianAdam;
  double rotationLr = 0.01689753172873217;
  double scaleLr = 0.0017898822675917248;
  LearningRateSchedule schedule = LearningRateSchedule::Linear;
  /// Global gradient-norm clip (0: none).
  double maxGradNorm = 1.0;
  /// Steps between polar re-orthonormalizations of Riemannian Adam.
  int64_t stabilize = 10;
  /// Share one rotation across all blocks of every block rotation (SpinQuant's
  /// R2, one d_h × d_h matrix for all heads of a layer).
  bool tieBlocks = false;
  /// Write a checkpoint every this many steps (and at the end) when
  /// `checkpointPath` is set; 0: only at the end.
  int64_t checkpointEvery = 10;
  std::string checkpointPath;
  /// Continue from `checkpointPath` if it exists.
  bool resume = false;
  /// Stop when the loss exceeds this multiple of the first step's loss.
  double divergenceFactor = 100.0;
  /// Threads of the executor (0: all cores).
  unsigned numThreads = 0;
  /// Print a progress line per step to stderr.
  bool progress = true;
};

/// What a run did.
struct TransformCalibrationReport {
  int64_t firstStep = 0;
  int64_t stepsRun = 0;
  double firstLoss = 0.0;
  double lastLoss = 0.0;
  double seconds = 0.0;
};

/// Calibrates the parameters of `module` (which must contain at least one
/// `ost.param` and one function `function`) and writes the learned values
/// back into their `value` attributes. Emits diagnostics and fails on bad
/// data, shapes, checkpoints, or a non-finite/diverging loss (after keeping
/// the last good parameters).
FailureOr<TransformCalibrationReport>
calibrateTransforms(ModuleOp module, StringRef function,
                    const TransformCalibrationOptions &options);

} // namespace mlir::ost

#endif // OST_CALIBRATION_TRANSFORMCALIBRATION_H
