//===- QuantGrid.h - the executor's quantizer grid, exactly -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The float32 grid of one scale group (METHOD §6), with the same operations
// in the same order as the executor's QuantGrid::compute
// (lib/Executor/QuantKernels.cpp), so scales, zero points, levels and
// dequantized values are bit-identical:
//
//   xmax = max(hi, 1e-6)·clip, xmin = min(lo, 0)·clip
//   asym: scale = (xmax − xmin)/(2^b − 1), zp = round(−xmin/scale)
//   sym:  scale = max(xmin/(−2^(b−1)), xmax/(2^(b−1) − 1)), zp = 0
//   level = clamp(round(x/scale) + zp, qmin, qmax), value = (level − zp)·scale
//
// with round half to even.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_QUANTGRID_H
#define OST_RUNTIME_MODEL_QUANTGRID_H

#include "Simd.h"

#include <algorithm>
#include <cstdint>

namespace ost::runtime {

/// What a quantizer is: bits (2..8), symmetric or not, clip ratio.
struct QuantSpec {
  int64_t bits = 4;
  bool symmetric = false;
  float clip = 1.0f;

  float getQMin() const {
    return symmetric ? -static_cast<float>(int64_t(1) << (bits - 1)) : 0.0f;
  }
  float getQMax() const {
    return symmetric ? static_cast<float>((int64_t(1) << (bits - 1)) - 1)
                     : static_cast<float>((int64_t(1) << bits) - 1);
  }
};

/// The grid of one scale group.
struct QuantGrid {
  float scale = 1.0f;
  float zeroPoint = 0.0f;
  float qmin = 0.0f, qmax = 0.0f;

  /// The grid of a group whose minimum is `lo` and maximum `hi`.
  static QuantGrid compute(float lo, float hi, const QuantSpec &spec) {
    float xmax = std::max(hi, 1e-6f) * spec.clip;
    float xmin = std::min(lo, 0.0f) * spec.clip;
    QuantGrid grid;
    grid.qmin = spec.getQMin();
    grid.qmax = spec.getQMax();
    if (spec.symmetric) {
      float negLevels = static_cast<float>(int64_t(1) << (spec.bits - 1));
      grid.scale = std::max(xmin / -negLevels, xmax / (negLevels - 1.0f));
      grid.zeroPoint = 0.0f;
    } else {
      grid.scale = (xmax - xmin) / spec.getQMax();
      grid.zeroPoint = simd::roundHalfEven(-xmin / grid.scale);
    }
    return grid;
  }

  float quantize(float x) const {
    float level = simd::roundHalfEven(x / scale) + zeroPoint;
    return std::min(std::max(level, qmin), qmax);
  }
  float dequantize(float level) const { return (level - zeroPoint) * scale; }
};

} // namespace ost::runtime

#endif // OST_RUNTIME_MODEL_QUANTGRID_H
