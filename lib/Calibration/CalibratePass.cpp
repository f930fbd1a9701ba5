//===- CalibratePass.cpp - ost-calibrate ----------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/ModelLimits.h"
#include "ost/Calibration/Passes.h"
#include "ost/Calibration/TransformCalibration.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTCALIBRATEPASS
#include "ost/Calibration/Passes.h.inc"
} // namespace mlir::ost

using namespace mlir;
using namespace mlir::ost;

namespace {

struct CalibratePass
    : public mlir::ost::impl::OSTCalibratePassBase<CalibratePass> {
  using Base::Base;

  /// Translates the pass options; emits an error naming the bad one.
  LogicalResult getOptions(TransformCalibrationOptions &o) {
    ModuleOp module = getOperation();
    if (calib.empty() || tokenizer.empty())
      return emitError(module.getLoc())
             << "ost-calibrate: the calib= and tokenizer= options are "
                "required";
    o.data.textPath = calib;
    o.data.tokenizerPath = tokenizer;
    o.data.seqLen = seqLen;
    if (!docs.empty())
      if (llvm::Error e =
              parseDocumentRange(docs, o.data.docBegin, o.data.docEnd))
        return emitError(module.getLoc())
               << "ost-calibrate: docs: " << llvm::toString(std::move(e));
    // Enum options: the option parser has refused unknown spellings.
    o.loss.kind = loss;
    o.loss.topK = topK;
    o.rotationOptimizer = optimizer;
    o.schedule = schedule;
    if (steps < 0 || batch <= 0 || seqLen <= 1 || topK <= 0 ||
        !(rotationLr >= 0.0) || !(scaleLr >= 0.0) || stabilize <= 0 ||
        !(divergence > 1.0))
      return emitError(module.getLoc())
             << "ost-calibrate: steps must be >= 0, batch > 0, seq-len > 1, "
                "top-k > 0, learning rates >= 0, stabilize > 0 and "
                "divergence > 1";
    o.steps = steps;
    o.batchSize = batch;
    o.seed = seed;
    o.rotationLr = rotationLr;
    o.scaleLr = scaleLr;
    o.maxGradNorm = maxGradNorm;
    o.stabilize = stabilize;
    o.tieBlocks = tieBlocks;
    o.checkpointPath = checkpoint;
    o.checkpointEvery = checkpointEvery;
    o.resume = resume;
    o.divergenceFactor = divergence;
    o.numThreads = threads;
    o.progress = progress;
    return success();
  }

  void runOnOperation() override {
    TransformCalibrationOptions options;
    if (failed(getOptions(options)) ||
        failed(checkSequenceLength(getOperation(), seqLen, "ost-calibrate")))
      return signalPassFailure();
    FailureOr<TransformCalibrationReport> report =
        calibrateTransforms(getOperation(), function, options);
    if (failed(report))
      return signalPassFailure();
    if (progress)
      llvm::errs() << llvm::format(
          "calibration: %lld steps in %.1f s, loss %.6f -> %.6f\n",
          static_cast<long long>(report->stepsRun), report->seconds,
          report->firstLoss, report->lastLoss);
  }
};

} // namespace
