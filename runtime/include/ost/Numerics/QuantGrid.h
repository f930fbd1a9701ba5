//===- QuantGrid.h - the uniform quantizer grid of one group ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The single definition of ost's quantizer arithmetic (METHOD §6), in
// float32 like the reference PyTorch quantizer. Per scale group, from the
// group's minimum `lo` and maximum `hi`:
//
//   xmax = max(hi, 1e-6)·clip,  xmin = min(lo, 0)·clip
//   asym: scale = (xmax − xmin)/(2^b − 1),  zp = round(−xmin/scale)
//   sym:  scale = max(xmin/(−2^(b−1)), xmax/(2^(b−1) − 1)),  zp = 0
//   level = clamp(round(x/scale) + zp, qmin, qmax),  x̂ = (level − zp)·scale
//
// with round half to even (Rounding.h) and divisions, not multiplications
// by a reciprocal. The 1e-6 floor keeps the scale positive for all-zero and
// all-negative groups. Every float operation and its operand order is part
// of the contract: the executor, RTN/GPTQ, the CPU runtime and the NVVM
// prologue must give the same bits, so build with -ffp-contract=off.
//
//===----------------------------------------------------------------------===//

#ifndef OST_NUMERICS_QUANTGRID_H
#define OST_NUMERICS_QUANTGRID_H

#include "ost/Numerics/Rounding.h"

#include <algorithm>
#include <cstdint>

namespace ost::numerics {

/// The floor of xmax: max(hi, kRangeFloor).
inline constexpr float kRangeFloor = 1e-6f;

/// Smallest and largest level of a b-bit quantizer: [−2^(b−1), 2^(b−1)−1]
/// (symmetric) or [0, 2^b−1] (asymmetric).
constexpr int64_t getQMin(unsigned bits, bool symmetric) {
  return symmetric ? -(int64_t(1) << (bits - 1)) : 0;
}
constexpr int64_t getQMax(unsigned bits, bool symmetric) {
  return symmetric ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
}

/// The value of an integer level: (level − zeroPoint)·scale (one rounding,
/// the subtraction is exact for levels and zero points below 2^24).
inline float dequantizeLevel(float level, float zeroPoint, float scale) {
  return (level - zeroPoint) * scale;
}

/// An integer-valued float (a level or a zero point) as the integer type I.
/// A NaN (the level of a NaN input, the zero point of a range with an
/// infinity) becomes 0, which is what the SIMD conversions give; a plain
/// cast of NaN is undefined behaviour.
template <typename I> I levelToInt(float level) {
  return level == level ? static_cast<I>(level) : I(0);
}

/// What determines a grid: bit width, symmetry and clip ratio.
struct GridSpec {
  unsigned bits = 8;
  bool symmetric = true;
  float clipRatio = 1.0f;

  int64_t getQMin() const { return numerics::getQMin(bits, symmetric); }
  int64_t getQMax() const { return numerics::getQMax(bits, symmetric); }
};

/// The grid of one scale group.
struct QuantGrid {
  float scale = 1.0f;
  float zeroPoint = 0.0f;
  /// The level range of the quantizer.
  float qmin = 0.0f, qmax = 0.0f;

  /// The grid of a group whose minimum is `lo` and maximum `hi`.
  static QuantGrid compute(float lo, float hi, const GridSpec &spec) {
    float xmax = std::max(hi, kRangeFloor) * spec.clipRatio;
    float xmin = std::min(lo, 0.0f) * spec.clipRatio;
    QuantGrid grid;
    grid.qmin = static_cast<float>(spec.getQMin());
    grid.qmax = static_cast<float>(spec.getQMax());
    if (spec.symmetric) {
      float negLevels = static_cast<float>(int64_t(1) << (spec.bits - 1));
      grid.scale = std::max(xmin / -negLevels, xmax / (negLevels - 1.0f));
      grid.zeroPoint = 0.0f;
    } else {
      grid.scale = (xmax - xmin) / static_cast<float>(spec.getQMax());
      grid.zeroPoint = roundHalfEven(-xmin / grid.scale);
    }
    return grid;
  }

  /// round(x/scale) + zeroPoint before clamping (the straight-through
  /// gradient passes where it lies in [qmin, qmax]).
  float unclampedLevel(float x) const {
    return roundHalfEven(x / scale) + zeroPoint;
  }
  /// The level of x, as a float holding an integer: std::max(level, qmin),
  /// then std::min(·, qmax) (a NaN level stays NaN).
  float quantize(float x) const {
    return std::min(std::max(unclampedLevel(x), qmin), qmax);
  }
  /// The value of a level.
  float dequantize(float level) const {
    return dequantizeLevel(level, zeroPoint, scale);
  }
  /// dequantize(quantize(x)).
  float fakeQuantize(float x) const { return dequantize(quantize(x)); }
};

} // namespace ost::numerics

#endif // OST_NUMERICS_QUANTGRID_H
