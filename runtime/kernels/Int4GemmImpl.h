//===- Int4GemmImpl.h - internal interface of the int4 paths ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The per-ISA microkernels of Int4Kernels.h. Each computes the outputs of
// columns [n0, n1) for every row from activations whose rows hold at least
// paddedK entries that are zero past k; the drivers in Int4Gemm.cpp
// validate, pad and split the columns over the ParallelFor.
//
// W4A4 comes in two forms. The whole-row form sums Σ_k q·(w + 8) over all
// of K and applies the epilogue once. The grouped form (groups of a
// multiple of 64 features, i.e. whole nibble halves of the 128-feature
// blocks) reduces the integer sums of every group of a 16- (AVX-512) or
// 8-output (AVX2) register tile together, then runs the epilogue of the
// tile in vector registers:
//
//   acc_g = dot_g − 8·Σ_{k∈g} q − zp_g·Σ_{k∈g} w,   out += float(acc_g)·s_g,
//   y = out·sw (+ bias).
//
// Every path performs these float operations in this order (no fused
// multiply-add), so all paths and thread counts give the same bits.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_KERNELS_INT4GEMMIMPL_H
#define OST_RUNTIME_KERNELS_INT4GEMMIMPL_H

#include "ost/runtime/kernels/Int4Kernels.h"

namespace ost::runtime::kernels::detail {

/// Features per nibble half of a block: the unit of the grouped form.
inline constexpr int64_t kHalfK = kBlockK / 2;

/// Operands of a W4A4 microkernel.
struct W4A4Args {
  /// Levels 0..15, row r at act + r·actStride, zero from k to paddedK.
  const uint8_t *act;
  int64_t actStride;
  int64_t rows;
  const PackedWeightView *w;
  /// Groups of kHalfK·groupHalves features; groupHalves = 0: whole rows
  /// (numGroups = 1).
  int64_t groupHalves;
  int64_t numGroups;
  /// Per (group, row), group-major with `paramStride` (>= rows, a multiple
  /// of 4; rows past `rows` repeat the last row): 8·Σ_{k∈g} q, the zero
  /// point and the scale.
  int64_t paramStride;
  const int32_t *rowCorrection;
  const int32_t *rowZeroPoints;
  const float *rowScales;
  /// [w->n] or null.
  const float *bias;
  /// [rows, w->n].
  float *y;
};

/// Operands of a W4A16 microkernel. Row r of x is at x + r·w->paddedK and
/// is zero from k on.
struct W4A16Args {
  const float *x;
  int64_t rows;
  const PackedWeightView *w;
  /// [w->n] or null.
  const float *bias;
  float *y;
};

/// The whole-row W4A4 output from Σ_k q·(w + 8) (`dot`): the exact int32
/// Σ_k (q − zp)·w = dot − 8·Σq − zp·Σw, times s_t, times sw_n, plus bias.
inline float w4a4Output(const W4A4Args &a, int64_t row, int64_t col,
                        int32_t dot) {
  int32_t acc =
      dot - a.rowCorrection[row] - a.rowZeroPoints[row] * a.w->groupSums[col];
  float out = static_cast<float>(acc) * a.rowScales[row];
  out = out * a.w->scales[col];
  if (a.bias)
    out = out + a.bias[col];
  return out;
}

/// The W4A16 output from the float sum.
inline float w4a16Output(const W4A16Args &a, int64_t col, float sum) {
  float out = sum * a.w->scales[col];
  if (a.bias)
    out = out + a.bias[col];
  return out;
}

void w4a4Scalar(const W4A4Args &a, int64_t n0, int64_t n1);
void w4a4Avx2(const W4A4Args &a, int64_t n0, int64_t n1);
void w4a4Avx512(const W4A4Args &a, int64_t n0, int64_t n1);

void w4a4GroupedScalar(const W4A4Args &a, int64_t n0, int64_t n1);
void w4a4GroupedAvx2(const W4A4Args &a, int64_t n0, int64_t n1);
void w4a4GroupedAvx512(const W4A4Args &a, int64_t n0, int64_t n1);

void w4a16Scalar(const W4A16Args &a, int64_t n0, int64_t n1);
void w4a16Avx2(const W4A16Args &a, int64_t n0, int64_t n1);
void w4a16Avx512(const W4A16Args &a, int64_t n0, int64_t n1);

/// Rows per cache block: a tile of columns is reused over this many rows.
inline constexpr int64_t kRowBlock = 64;

/// Columns per unit of work of the drivers, a multiple of every tile width;
/// the grouped kernels stage per-column terms for this many columns.
inline constexpr int64_t kColumnChunk = 64;

/// min(i, last): edge tiles recompute the last row/column instead of
/// branching.
inline int64_t clampIndex(int64_t i, int64_t last) {
  return i < last ? i : last;
}

/// Per-column terms of the grouped epilogue for columns [c0, c0 + 64) (the
/// ones past `cEnd` repeat column cEnd − 1): the weight scales and the bias
/// (0 without). The group sums are gathered by the tiles.
struct ColumnTerms {
  float scales[kColumnChunk];
  float bias[kColumnChunk];
};

/// Fills `terms` for columns [c0, min(c0 + 64, cEnd)).
inline void stageColumnTerms(const W4A4Args &a, int64_t c0, int64_t cEnd,
                             ColumnTerms &terms) {
  const PackedWeightView &w = *a.w;
  for (int64_t i = 0; i < kColumnChunk; ++i) {
    int64_t col = clampIndex(c0 + i, cEnd - 1);
    terms.scales[i] = w.scales[col];
    terms.bias[i] = a.bias ? a.bias[col] : 0.0f;
  }
}

} // namespace ost::runtime::kernels::detail

#endif // OST_RUNTIME_KERNELS_INT4GEMMIMPL_H
