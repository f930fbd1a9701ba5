//===- GPTQModule.h - GPTQ over the linears of a module ---------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The driver of ost-gptq: measures each group's input Hessian by running a
// fake-quant-free copy of the module through the reference executor, runs
// ::ost::quant::quantizeGPTQ group by group (feeding the quantized weights
// into the copy before the next group is measured) and rewrites the
// module's linears to ost.qlinear.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_CALIBRATION_GPTQMODULE_H
#define OST_LIB_CALIBRATION_GPTQMODULE_H

#include "ost/Calibration/CalibrationData.h"
#include "ost/Quant/WeightQuantizer.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::ost {

/// Settings of quantizeModuleWithGPTQ.
struct ModuleGPTQOptions {
  ::ost::quant::WeightQuantOptions weight;
  ::ost::quant::GPTQOptions gptq;
  /// Sequences per executor run.
  int64_t batchSize = 8;
  /// Executor, Hessian and quantizer threads; 0: all cores.
  unsigned numThreads = 0;
  /// Print one line per group and a summary to stderr.
  bool progress = false;
};

/// What quantizeModuleWithGPTQ did.
struct ModuleGPTQReport {
  int64_t linears = 0, groups = 0;
  /// Executor runs (one per batch per group).
  int64_t forwards = 0;
  /// Wall time of the whole pass, and of the forwards alone.
  double seconds = 0.0, forwardSeconds = 0.0;
};

/// GPTQ-quantizes the linears of collectQuantizableLinears(module) on the
/// token `blocks` (all of one length), running `function`. Fails after
/// emitting a diagnostic (non-constant weight, executor error, GPTQ error
/// naming the linear); the module is only rewritten once every group has
/// been quantized.
FailureOr<ModuleGPTQReport>
quantizeModuleWithGPTQ(ModuleOp module, StringRef function,
                       const std::vector<TokenBlock> &blocks,
                       const ModuleGPTQOptions &options);

} // namespace mlir::ost

#endif // OST_LIB_CALIBRATION_GPTQMODULE_H
