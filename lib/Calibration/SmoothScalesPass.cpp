//===- SmoothScalesPass.cpp - ost-smooth-scales ---------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/ModelLimits.h"
#include "ost/Calibration/Passes.h"
#include "ost/Calibration/SmoothScales.h"

namespace mlir::ost {
#define GEN_PASS_DEF_OSTSMOOTHSCALESPASS
#include "ost/Calibration/Passes.h.inc"
} // namespace mlir::ost

using namespace mlir;
using namespace mlir::ost;

namespace {

struct SmoothScalesPass
    : public mlir::ost::impl::OSTSmoothScalesPassBase<SmoothScalesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (calib.empty() || tokenizer.empty()) {
      emitError(module.getLoc())
          << "ost-smooth-scales: the calib= and tokenizer= options are "
             "required";
      return signalPassFailure();
    }
    if (failed(checkSequenceLength(module, seqLen, "ost-smooth-scales")))
      return signalPassFailure();
    CalibrationDataOptions data;
    data.textPath = calib;
    data.tokenizerPath = tokenizer;
    data.seqLen = seqLen;
    if (!docs.empty())
      if (llvm::Error e = parseDocumentRange(docs, data.docBegin, data.docEnd)) {
        emitError(module.getLoc())
            << "ost-smooth-scales: docs: " << llvm::toString(std::move(e));
        return signalPassFailure();
      }
    llvm::Expected<std::vector<TokenBlock>> blocks =
        loadCalibrationBlocks(data);
    if (!blocks) {
      emitError(module.getLoc())
          << "ost-smooth-scales: " << llvm::toString(blocks.takeError());
      return signalPassFailure();
    }
    std::vector<TokenBlock> sample =
        sampleBlocks(*blocks, samples > 0 ? samples : 0, seed);
    if (failed(setSmoothQuantScales(module, function, sample, alpha,
                                    /*batchSize=*/8, threads)))
      return signalPassFailure();
  }
};

} // namespace
