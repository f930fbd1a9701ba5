//===- WeightGrid.h - storing levels of one scale group ---------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Private helpers shared by the RTN and GPTQ quantizers: how a chosen grid
// and a quantized value are recorded in a QuantizedWeight.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_QUANT_WEIGHTGRID_H
#define OST_LIB_QUANT_WEIGHTGRID_H

#include "ost/Quant/WeightQuantizer.h"

namespace ost::quant::detail {

/// An empty QuantizedWeight of the given shape with every array sized.
inline QuantizedWeight makeQuantizedWeight(int64_t rows, int64_t cols,
                                           const WeightQuantOptions &options) {
  QuantizedWeight q;
  q.rows = rows;
  q.cols = cols;
  q.groups = options.groupSize > 0 ? cols / options.groupSize : 1;
  size_t elements = static_cast<size_t>(rows) * cols;
  size_t grids = static_cast<size_t>(rows) * q.groups;
  q.levels.assign(elements, 0);
  q.dequantized.assign(elements, 0.0f);
  q.scales.assign(grids, 0.0f);
  if (!options.symmetric)
    q.zeroPoints.assign(grids, 0);
  return q;
}

/// Records the grid of scale group `index` (row-major [rows, groups]).
inline void storeGrid(QuantizedWeight &q, int64_t index,
                      const ::ost::numerics::QuantGrid &grid) {
  q.scales[index] = grid.scale;
  if (!q.zeroPoints.empty())
    q.zeroPoints[index] =
        static_cast<int8_t>(static_cast<int64_t>(grid.zeroPoint));
}

/// Quantizes `value` on `grid` into element `index`; returns the
/// dequantized value.
inline float storeLevel(QuantizedWeight &q, int64_t index,
                        const ::ost::numerics::QuantGrid &grid, float value) {
  float level = grid.quantize(value);
  float dequantized = grid.dequantize(level);
  q.levels[index] = static_cast<int8_t>(static_cast<int64_t>(level));
  q.dequantized[index] = dequantized;
  return dequantized;
}

} // namespace ost::quant::detail

#endif // OST_LIB_QUANT_WEIGHTGRID_H
