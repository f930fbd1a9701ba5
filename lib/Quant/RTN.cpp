//===- RTN.cpp - round-to-nearest weight quantization ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The reference `--w_gptq=False` path (METHOD §5.7): every row (or group of a
// row) gets the grid searchClipGrid chooses for it, and each weight is
// rounded on that grid, with no error feedback. This is exactly the
// executor's per_channel fakeQuant (both call ost/Numerics/ClipSearch.h),
// keeping the integer levels too.
//
//===----------------------------------------------------------------------===//

#include "ost/Quant/WeightQuantizer.h"

#include "WeightGrid.h"

#include "ost/Optim/DenseKernels.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>

using namespace ost::quant;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

} // namespace

::ost::numerics::QuantizerSpec
ost::quant::toQuantizerSpec(const WeightQuantOptions &options) {
  ::ost::numerics::QuantizerSpec spec;
  spec.bits = options.bits;
  spec.symmetric = options.symmetric;
  spec.clipRatio = 1.0f;
  spec.clipSearchNorm = options.clipSearchNorm;
  spec.clipSearchSteps = options.clipSearchSteps;
  return spec;
}

llvm::Error
ost::quant::checkWeightQuantOptions(int64_t rows, int64_t cols,
                                    const WeightQuantOptions &options) {
  if (rows < 0 || cols < 0)
    return makeError("negative weight shape [" + llvm::Twine(rows) + ", " +
                     llvm::Twine(cols) + "]");
  if (options.bits < 2 || options.bits > 8)
    return makeError("weight bits must be in [2, 8], got " +
                     llvm::Twine(options.bits));
  if (options.groupSize < 0)
    return makeError("negative group size " + llvm::Twine(options.groupSize));
  if (options.groupSize > 0 && cols % options.groupSize != 0)
    return makeError("group size " + llvm::Twine(options.groupSize) +
                     " does not divide the " + llvm::Twine(cols) +
                     " input columns");
  if (!(options.clipSearchNorm >= 0.0))
    return makeError("the clip-search norm must be >= 0 (0: no search)");
  if (options.clipSearchSteps < 0)
    return makeError("negative clip-search step count " +
                     llvm::Twine(options.clipSearchSteps));
  return llvm::Error::success();
}

llvm::Expected<QuantizedWeight>
ost::quant::quantizeRTN(const float *weight, int64_t rows, int64_t cols,
                        const WeightQuantOptions &options) {
  if (llvm::Error err = checkWeightQuantOptions(rows, cols, options))
    return std::move(err);
  if (!weight && rows * cols > 0)
    return makeError("missing weight data");
  QuantizedWeight q = detail::makeQuantizedWeight(rows, cols, options);
  ::ost::numerics::QuantizerSpec spec = toQuantizerSpec(options);
  int64_t groupLen = options.groupSize > 0 ? options.groupSize : cols;
  int64_t segments = groupLen > 0 ? rows * q.groups : 0;
  ost::optim::parallelFor(
      segments, std::max<int64_t>(1, 4096 / std::max<int64_t>(groupLen, 1)),
      std::max(options.numThreads, 1u), [&](int64_t begin, int64_t end) {
        for (int64_t s = begin; s < end; ++s) {
          const float *segment = weight + s * groupLen;
          ::ost::numerics::QuantGrid grid =
              ::ost::numerics::searchClipGrid(segment, groupLen, spec);
          detail::storeGrid(q, s, grid);
          for (int64_t i = 0; i < groupLen; ++i)
            detail::storeLevel(q, s * groupLen + i, grid, segment[i]);
        }
      });
  return q;
}
