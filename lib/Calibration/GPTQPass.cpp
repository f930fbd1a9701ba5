//===- GPTQPass.cpp - ost-gptq --------------------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Translates the pass options, loads the calibration blocks and runs
// quantizeModuleWithGPTQ (GPTQModule.h).
//
//===----------------------------------------------------------------------===//

#include "GPTQModule.h"

#include "ost/Calibration/ModelLimits.h"
#include "ost/Calibration/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir::ost {
#define GEN_PASS_DEF_OSTGPTQPASS
#include "ost/Calibration/Passes.h.inc"
} // namespace mlir::ost

using namespace mlir;
using namespace mlir::ost;

namespace {

struct GPTQPass : public mlir::ost::impl::OSTGPTQPassBase<GPTQPass> {
  using Base::Base;

  /// Translates the options; emits an error naming the bad one.
  LogicalResult getOptions(ModuleGPTQOptions &o, CalibrationDataOptions &data) {
    ModuleOp module = getOperation();
    auto fail = [&](const Twine &message) -> InFlightDiagnostic {
      return emitError(module.getLoc()) << "ost-gptq: " << message;
    };
    if (calib.empty() || tokenizer.empty())
      return fail("the calib= and tokenizer= options are required");
    if (bits != 2 && bits != 4 && bits != 8)
      return fail("bits must be 2, 4 or 8 (ost.qlinear packs levels into "
                  "bytes), got " +
                  Twine(static_cast<unsigned>(bits)));
    if (group < 0)
      return fail("group must be >= 0, got " +
                  Twine(static_cast<int64_t>(group)));
    if (!(clipSearch >= 0.0) || !std::isfinite(clipSearch))
      return fail("clip-search must be a non-negative error exponent")
             << ", got " << clipSearch;
    if (!(damp >= 0.0) || !std::isfinite(damp))
      return fail("damp must be >= 0") << ", got " << damp;
    if (samples < 0 || seqLen <= 0 || blockSize <= 0 || batch <= 0)
      return fail("samples must be >= 0 and seq-len, block-size and batch "
                  "positive");
    data.textPath = calib;
    data.tokenizerPath = tokenizer;
    data.seqLen = seqLen;
    if (!docs.empty())
      if (llvm::Error e = parseDocumentRange(docs, data.docBegin, data.docEnd))
        return fail("docs: " + llvm::toString(std::move(e)));
    o.weight.bits = bits;
    o.weight.symmetric = sym;
    o.weight.groupSize = group;
    o.weight.clipSearchNorm = clipSearch;
    o.gptq.percDamp = damp;
    o.gptq.blockSize = blockSize;
    o.batchSize = batch;
    o.numThreads = threads;
    o.progress = progress;
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ModuleGPTQOptions options;
    CalibrationDataOptions data;
    if (failed(getOptions(options, data)) ||
        failed(checkSequenceLength(module, seqLen, "ost-gptq")))
      return signalPassFailure();
    llvm::Expected<std::vector<TokenBlock>> blocks =
        loadCalibrationBlocks(data);
    if (!blocks) {
      emitError(module.getLoc())
          << "ost-gptq: " << llvm::toString(blocks.takeError());
      return signalPassFailure();
    }
    std::vector<TokenBlock> sample =
        sampleBlocks(*blocks, static_cast<size_t>(samples), seed);
    FailureOr<ModuleGPTQReport> report =
        quantizeModuleWithGPTQ(module, function, sample, options);
    if (failed(report))
      return signalPassFailure();
    if (progress)
      llvm::errs() << llvm::format(
          "gptq: %lld linears in %lld groups, %lld forwards of %zu x %lld "
          "tokens; %.2f s (forwards %.2f s)\n",
          static_cast<long long>(report->linears),
          static_cast<long long>(report->groups),
          static_cast<long long>(report->forwards), sample.size(),
          static_cast<long long>(seqLen), report->seconds,
          report->forwardSeconds);
  }
};

} // namespace
