//===- QuantizeWeights.cpp - RTN weight quantization into qlinear ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-quantize-weights: round-to-nearest quantization of every
// decoder linear with ::ost::quant::quantizeRTN, rewritten to ost.qlinear by
// the helper shared with GPTQ (WeightQuantization.h). Every weight is checked
// before the first rewrite, so a module that cannot be quantized is left
// unchanged.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"
#include "ost/Dialect/OST/Transforms/WeightQuantization.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace mlir::ost {
#define GEN_PASS_DEF_OSTQUANTIZEWEIGHTSPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

namespace quant = ::ost::quant;

class OSTQuantizeWeightsPass final
    : public impl::OSTQuantizeWeightsPassBase<OSTQuantizeWeightsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (bits != 2 && bits != 4 && bits != 8) {
      module.emitError() << "ost-quantize-weights: bits must be 2, 4 or 8 "
                            "(ost.qlinear packs levels into bytes), got "
                         << static_cast<unsigned>(bits);
      return signalPassFailure();
    }
    if (group < 0 || !(clipSearch >= 0.0) || !std::isfinite(clipSearch)) {
      module.emitError() << "ost-quantize-weights: group must be >= 0 and "
                            "clip-search a non-negative error exponent, got "
                            "group="
                         << static_cast<int64_t>(group)
                         << " clip-search=" << static_cast<double>(clipSearch);
      return signalPassFailure();
    }
    quant::WeightQuantOptions options;
    options.bits = bits;
    options.symmetric = sym;
    options.groupSize = group;
    options.clipSearchNorm = clipSearch;
    // Rows are independent: the result does not depend on the thread count.
    options.numThreads = std::max(1u, std::thread::hardware_concurrency());

    FailureOr<SmallVector<LinearOp>> linears =
        collectQuantizableLinears(module, "quantize weights around");
    if (failed(linears))
      return signalPassFailure();
    // Read and check every weight before rewriting anything.
    std::vector<std::vector<float>> weights;
    for (LinearOp linear : *linears) {
      FailureOr<std::vector<float>> w = getConstantWeight(linear);
      if (failed(w))
        return signalPassFailure();
      auto type = cast<RankedTensorType>(linear.getWeight().getType());
      if (llvm::Error e = quant::checkWeightQuantOptions(
              type.getDimSize(0), type.getDimSize(1), options)) {
        linear.emitError() << "cannot quantize the weight of this linear: "
                           << llvm::toString(std::move(e));
        return signalPassFailure();
      }
      weights.push_back(std::move(*w));
    }
    for (auto [linear, w] : llvm::zip_equal(*linears, weights)) {
      auto type = cast<RankedTensorType>(linear.getWeight().getType());
      llvm::Expected<quant::QuantizedWeight> q = quant::quantizeRTN(
          w.data(), type.getDimSize(0), type.getDimSize(1), options);
      if (!q) {
        linear.emitError() << "cannot quantize the weight of this linear: "
                           << llvm::toString(q.takeError());
        return signalPassFailure();
      }
      if (failed(replaceWithQLinear(linear, *q, options)))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace mlir::ost
