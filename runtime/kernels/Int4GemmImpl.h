//===- Int4GemmImpl.h - internal interface of the int4 paths ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The per-ISA microkernels of Int4Kernels.h. Each computes the outputs of
// columns [n0, n1) for every row from zero-padded activations
// ([rows, paddedK]); the drivers in Int4Gemm.cpp validate, pad and split
// the columns over threads.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_KERNELS_INT4GEMMIMPL_H
#define OST_RUNTIME_KERNELS_INT4GEMMIMPL_H

#include "ost/runtime/kernels/Int4Kernels.h"

namespace ost::runtime::kernels::detail {

/// Operands of a W4A4 microkernel. `act` holds levels 0..15 padded with 0.
struct W4A4Args {
  const uint8_t *act;
  int64_t rows;
  /// Per row: Σ_k q, zero point, scale.
  const int32_t *qSums;
  const int32_t *zeroPoints;
  const float *scales;
  const PackedWeight *w;
  /// [rows, w->n].
  float *y;
};

/// Operands of a W4A16 microkernel. `x` is padded with 0.
struct W4A16Args {
  const float *x;
  int64_t rows;
  const PackedWeight *w;
  float *y;
};

/// The output of W4A4 from Σ_k q·(w + 8) (`dot`): the exact int32
/// Σ_k (q − zp)·w = dot − 8·Σq − zp·Σw, times s_t·sw_n.
inline float w4a4Output(const W4A4Args &a, int64_t row, int64_t col,
                        int32_t dot) {
  int32_t acc = dot - 8 * a.qSums[row] - a.zeroPoints[row] * a.w->rowSums[col];
  return static_cast<float>(acc) * a.scales[row] * a.w->scales[col];
}

void w4a4Scalar(const W4A4Args &a, int64_t n0, int64_t n1);
void w4a4Avx2(const W4A4Args &a, int64_t n0, int64_t n1);
void w4a4Avx512(const W4A4Args &a, int64_t n0, int64_t n1);

void w4a16Scalar(const W4A16Args &a, int64_t n0, int64_t n1);
void w4a16Avx2(const W4A16Args &a, int64_t n0, int64_t n1);
void w4a16Avx512(const W4A16Args &a, int64_t n0, int64_t n1);

/// Rows per cache block: a tile of columns is reused over this many rows.
inline constexpr int64_t kRowBlock = 64;

/// min(i, last): edge tiles recompute the last row/column instead of
/// branching.
inline int64_t clampIndex(int64_t i, int64_t last) {
  return i < last ? i : last;
}

} // namespace ost::runtime::kernels::detail

#endif // OST_RUNTIME_KERNELS_INT4GEMMIMPL_H
