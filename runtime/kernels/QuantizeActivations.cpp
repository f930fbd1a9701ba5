//===- QuantizeActivations.cpp - dynamic per-token 4-bit quantizer --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The same float32 operations, in the same order, as the executor's
// QuantGrid::compute/quantize for an asymmetric 4-bit per_token spec without
// clipping, so levels, scales and zero points are bit-identical.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/kernels/Int4Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ost::runtime::kernels {

namespace {
/// Rounds half to even in the default rounding mode: adding and subtracting
/// 1.5·2^23 is exact past the rounding; magnitudes >= 2^22 (and NaN) are
/// returned unchanged.
inline float roundHalfEven(float x) {
  constexpr float magic = 12582912.0f;
  if (!(std::fabs(x) < 4194304.0f))
    return x;
  return (x + magic) - magic;
}
} // namespace

Status quantizePerTokenAsym4(const float *x, int64_t rows, int64_t k,
                             uint8_t *q, float *scales, int32_t *zeroPoints) {
  if (rows < 0 || k < 1)
    return Status::failure("quantization needs rows >= 0 and k >= 1, got "
                           "rows = " +
                           std::to_string(rows) + ", k = " + std::to_string(k));
  if (rows > 0 && (!x || !q || !scales || !zeroPoints))
    return Status::failure("quantization operands must not be null");
  for (int64_t r = 0; r < rows; ++r) {
    const float *in = x + r * k;
    float lo = std::numeric_limits<float>::infinity();
    float hi = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < k; ++i) {
      lo = std::min(lo, in[i]);
      hi = std::max(hi, in[i]);
    }
    float xmax = std::max(hi, 1e-6f);
    float xmin = std::min(lo, 0.0f);
    float scale = (xmax - xmin) / 15.0f;
    float zp = roundHalfEven(-xmin / scale);
    scales[r] = scale;
    zeroPoints[r] = static_cast<int32_t>(zp);
    uint8_t *out = q + r * k;
    for (int64_t i = 0; i < k; ++i) {
      float level =
          std::min(std::max(roundHalfEven(in[i] / scale) + zp, 0.0f), 15.0f);
      out[i] = static_cast<uint8_t>(level);
    }
  }
  return Status::success();
}

} // namespace ost::runtime::kernels
