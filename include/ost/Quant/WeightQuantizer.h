//===- WeightQuantizer.h - RTN and GPTQ weight quantization -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Turns a float weight W : [rows, cols] (rows = output channels, a linear
// computes Y = X·Wᵀ) into integer levels with one grid per row or per group
// of `groupSize` contiguous columns of a row (METHOD §5.6, §5.7, §6):
//
// * quantizeRTN: round to nearest on the grid of numerics::searchClipGrid;
// * quantizeGPTQ: GPTQ (Frantar et al.) with the Hessian of the layer
//   inputs from HessianAccumulator;
// * packLevels: the packed byte layout `ost.qlinear` and
//   mlir::ost::unpackWeight read.
//
// The grid formula itself (QuantGrid, searchClipGrid) is the header-only
// ost/Numerics library, shared with the executor's fake quantization and the
// CPU runtime; this library does not depend on the executor.
//
//===----------------------------------------------------------------------===//

#ifndef OST_QUANT_WEIGHTQUANTIZER_H
#define OST_QUANT_WEIGHTQUANTIZER_H

#include "ost/Numerics/ClipSearch.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace ost::quant {

/// The weight quantizer. The defaults are OSTQuant's: INT4, symmetric, per
/// output channel, with the 80-step clip search minimizing Σ|ŵ − w|^2.4.
struct WeightQuantOptions {
  unsigned bits = 4;
  bool symmetric = true;
  /// Columns per scale group; 0: one group per row (per output channel).
  int64_t groupSize = 0;
  /// The norm p of the clip search; 0: plain min/max.
  double clipSearchNorm = 2.4;
  int64_t clipSearchSteps = 80;
  /// Threads (>= 1; 0 counts as 1). The result does not depend on it.
  unsigned numThreads = 1;
};

/// The grid and clip search of these options (clip ratio 1): the spec every
/// scale group's numerics::searchClipGrid runs with. (toQuantParams in
/// ExecutorQuantParams.h gives the executor's equivalent per_channel spec.)
::ost::numerics::QuantizerSpec
toQuantizerSpec(const WeightQuantOptions &options);

/// Checks bits ∈ [2, 8], groupSize >= 0 dividing cols, clipSearchNorm >= 0,
/// clipSearchSteps >= 0 and non-negative sizes.
llvm::Error checkWeightQuantOptions(int64_t rows, int64_t cols,
                                    const WeightQuantOptions &options);

/// Integer levels of a [rows, cols] weight with scales [rows, groups] (and
/// zero points for asym), plus the dequantized float weight. Levels and zero
/// points are stored as int8 bit patterns: read them as signed for a
/// symmetric grid and as unsigned (uint8_t) for an asymmetric one, whose
/// 8-bit levels reach 255. `zeroPoints` is empty for a symmetric grid.
struct QuantizedWeight {
  int64_t rows = 0, cols = 0, groups = 1;
  std::vector<int8_t> levels;
  std::vector<float> scales;
  std::vector<int8_t> zeroPoints;
  std::vector<float> dequantized;
};

/// Round-to-nearest with the per-row (per-group) grid chosen by
/// numerics::searchClipGrid (no error feedback). Fails on invalid options
/// (checkWeightQuantOptions) or a null weight.
llvm::Expected<QuantizedWeight> quantizeRTN(const float *weight, int64_t rows,
                                            int64_t cols,
                                            const WeightQuantOptions &options);

/// Accumulates H = (2/n)·Σ xᵀx over rows x of calibration inputs [n, cols]
/// (float64, running average like the reference GPTQ add_batch: each add
/// rescales H by n_old/n_new first, so H is always the mean over the n rows
/// seen so far). The same inputs in the same calls give bit-identical H.
class HessianAccumulator {
public:
  /// An empty accumulator for inputs of `cols` features; `numThreads`
  /// (>= 1; 0 counts as 1) threads share each update, without changing the
  /// result.
  explicit HessianAccumulator(int64_t cols, unsigned numThreads = 1);
  /// Adds `rows` input rows of `cols` values; rows <= 0 adds nothing.
  void add(const float *x, int64_t rows);
  /// The number of rows added so far.
  int64_t getCount() const { return count; }
  int64_t getCols() const { return cols; }
  /// H, cols × cols row-major and symmetric.
  const std::vector<double> &getHessian() const { return hessian; }

private:
  int64_t cols;
  unsigned numThreads;
  int64_t count = 0;
  std::vector<double> hessian;
};

/// GPTQ settings (the reference defaults: 1% damping, blocks of 128, no
/// act-order).
struct GPTQOptions {
  double percDamp = 0.01;
  int64_t blockSize = 128;
  /// Quantize columns in order of decreasing H_ii (per-row grids only).
  bool actOrder = false;
};

/// GPTQ (Frantar et al.; METHOD §5.7): dead inputs (H_ii == 0) get H_ii = 1
/// and zero weight columns; damping percDamp·mean(diag H); Cholesky of H⁻¹
/// (upper); lazy batch updates in blocks; per-row grids from searchClipGrid
/// on the full (not yet updated) weight when groupSize == 0, or at each
/// group boundary from the current updated columns otherwise (blocks are
/// then rounded to whole groups, so every group's columns have received all
/// earlier error feedback when its grid is chosen). Fails (llvm::Error,
/// clear message) if H is not positive definite after damping or sizes are
/// wrong, and for actOrder with groups (whose grids would not follow the
/// column order of the packed layout).
llvm::Expected<QuantizedWeight> quantizeGPTQ(const float *weight, int64_t rows,
                                             int64_t cols,
                                             llvm::ArrayRef<double> hessian,
                                             const WeightQuantOptions &options,
                                             const GPTQOptions &gptq);

/// Packs levels along the row, little end first: for 4 bits element 2j is
/// the low nibble of byte j (two's complement for sym, unsigned for asym) →
/// [rows, cols·bits/8] bytes; bits must divide 8 (2, 4 or 8, what
/// unpackWeight reads) and cols·bits a multiple of 8. A grid is asymmetric
/// when q has zero points. Fails if a level does not fit in `bits`.
/// unpackWeight(packLevels(q)) == q.dequantized bit for bit.
llvm::Expected<std::vector<int8_t>> packLevels(const QuantizedWeight &q,
                                               unsigned bits);

} // namespace ost::quant

#endif // OST_QUANT_WEIGHTQUANTIZER_H
