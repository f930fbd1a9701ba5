//===- QuantizeActivations.cpp - dynamic per-token 4-bit quantizer --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// ost/Numerics' grid (the executor's, lib/Quant's) for an asymmetric 4-bit
// per_token spec without clipping, so levels, scales and zero points are
// bit-identical to the executor's dynamicQuantize.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/kernels/Int4Kernels.h"

#include "ost/Numerics/ClipSearch.h"
#include "ost/Numerics/QuantGrid.h"

#include <cstdint>

namespace ost::runtime::kernels {

Status quantizePerTokenAsym4(const float *x, int64_t rows, int64_t k,
                             uint8_t *q, float *scales, int32_t *zeroPoints) {
  if (rows < 0 || k < 1)
    return Status::failure("quantization needs rows >= 0 and k >= 1, got "
                           "rows = " +
                           std::to_string(rows) + ", k = " + std::to_string(k));
  if (rows > 0 && (!x || !q || !scales || !zeroPoints))
    return Status::failure("quantization operands must not be null");
  ::ost::numerics::GridSpec spec;
  spec.bits = 4;
  spec.symmetric = false;
  spec.clipRatio = 1.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float *in = x + r * k;
    auto [lo, hi] = ::ost::numerics::minMax(in, k);
    ::ost::numerics::QuantGrid grid =
        ::ost::numerics::QuantGrid::compute(lo, hi, spec);
    scales[r] = grid.scale;
    zeroPoints[r] = ::ost::numerics::levelToInt<int32_t>(grid.zeroPoint);
    uint8_t *out = q + r * k;
    for (int64_t i = 0; i < k; ++i)
      out[i] = ::ost::numerics::levelToInt<uint8_t>(grid.quantize(in[i]));
  }
  return Status::success();
}

} // namespace ost::runtime::kernels
