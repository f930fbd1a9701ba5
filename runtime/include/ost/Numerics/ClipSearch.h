//===- ClipSearch.h - min/max and the clip-ratio grid search ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// How one scale group of contiguous floats chooses its grid (METHOD §5.6,
// §5.7): from its min and max, optionally shrunk by the MSE-style search of
// the reference weight quantizer (shrink factors 1, 0.99, …, minimizing
// Σ|x̂ − x|^p accumulated in double). Used by fake quantization, RTN, GPTQ
// and the runtime quantizers.
//
//===----------------------------------------------------------------------===//

#ifndef OST_NUMERICS_CLIPSEARCH_H
#define OST_NUMERICS_CLIPSEARCH_H

#include "ost/Numerics/QuantGrid.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

namespace ost::numerics {

/// A grid plus how it is searched.
struct QuantizerSpec : GridSpec {
  /// With a value p > 0, searchClipGrid tries shrunk ranges minimizing
  /// Σ|x̂ − x|^p; 0 computes the grid from the min/max directly.
  double clipSearchNorm = 0.0;
  /// Number of shrink factors 1, 0.99, … tried by the search.
  int64_t clipSearchSteps = 80;
};

/// Min and max of n floats, scanning in order with std::min(lo, x) and
/// std::max(hi, x): NaNs are skipped; n == 0 gives (+inf, −inf).
inline std::pair<float, float> minMax(const float *x, int64_t n) {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  return {lo, hi};
}

/// The shrink factor of search step i: 1 − i/100 in float32.
inline float clipShrinkFactor(int64_t i) {
  return 1.0f - static_cast<float>(i) / 100.0f;
}

/// The grid of `n` contiguous values. Without a search (clipSearchNorm <= 0,
/// or n == 0) it is QuantGrid::compute(min, max). With one, it tries the
/// grids of (f·min, f·max) for f = clipShrinkFactor(i), i < clipSearchSteps
/// while f > 0, and returns the first one with the smallest error.
inline QuantGrid searchClipGrid(const float *x, int64_t n,
                                const QuantizerSpec &spec) {
  auto [lo, hi] = minMax(x, n);
  QuantGrid best = QuantGrid::compute(lo, hi, spec);
  if (spec.clipSearchNorm <= 0.0 || n == 0)
    return best;
  double norm = spec.clipSearchNorm;
  double bestErr = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < spec.clipSearchSteps; ++i) {
    float shrink = clipShrinkFactor(i);
    if (!(shrink > 0.0f))
      break;
    QuantGrid grid = QuantGrid::compute(shrink * lo, shrink * hi, spec);
    double err = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      double d = std::fabs(static_cast<double>(grid.fakeQuantize(x[j]) - x[j]));
      err += norm == 2.0 ? d * d : std::pow(d, norm);
    }
    if (err < bestErr) {
      bestErr = err;
      best = grid;
    }
  }
  return best;
}

} // namespace ost::numerics

#endif // OST_NUMERICS_CLIPSEARCH_H
