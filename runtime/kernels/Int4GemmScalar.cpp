//===- Int4GemmScalar.cpp - portable int4 microkernels --------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "Int4GemmImpl.h"

namespace ost::runtime::kernels::detail {

void w4a4Scalar(const W4A4Args &a, int64_t n0, int64_t n1) {
  const PackedWeightView &w = *a.w;
  for (int64_t col = n0; col < n1; ++col) {
    const uint8_t *wrow = w.data + col * w.getRowBytes();
    for (int64_t r = 0; r < a.rows; ++r) {
      const uint8_t *act = a.act + r * a.actStride;
      int32_t dot = 0;
      for (int64_t kb = 0; kb < w.paddedK; kb += kBlockK) {
        const uint8_t *wb = wrow + kb / 2;
        for (int64_t j = 0; j < kHalfK; ++j)
          dot +=
              act[kb + j] * (wb[j] & 0xF) + act[kb + kHalfK + j] * (wb[j] >> 4);
      }
      a.y[r * w.n + col] = w4a4Output(a, r, col, dot);
    }
  }
}

void w4a4GroupedScalar(const W4A4Args &a, int64_t n0, int64_t n1) {
  const PackedWeightView &w = *a.w;
  int64_t groupLen = a.groupHalves * kHalfK;
  for (int64_t col = n0; col < n1; ++col) {
    const uint8_t *wrow = w.data + col * w.getRowBytes();
    for (int64_t r = 0; r < a.rows; ++r) {
      const uint8_t *act = a.act + r * a.actStride;
      float out = 0.0f;
      for (int64_t g = 0; g < a.numGroups; ++g) {
        int32_t dot = 0;
        for (int64_t i = g * groupLen; i < (g + 1) * groupLen; ++i) {
          int64_t j = i % kBlockK;
          uint8_t byte = wrow[(i - j) / 2 + j % kHalfK];
          dot += act[i] * (j < kHalfK ? byte & 0xF : byte >> 4);
        }
        int64_t p = g * a.paramStride + r;
        int32_t acc = dot - a.rowCorrection[p] -
                      a.rowZeroPoints[p] * w.groupSums[col * a.numGroups + g];
        float term = static_cast<float>(acc) * a.rowScales[p];
        out = out + term;
      }
      out = out * w.scales[col];
      if (a.bias)
        out = out + a.bias[col];
      a.y[r * w.n + col] = out;
    }
  }
}

void w4a16Scalar(const W4A16Args &a, int64_t n0, int64_t n1) {
  const PackedWeightView &w = *a.w;
  for (int64_t col = n0; col < n1; ++col) {
    const uint8_t *wrow = w.data + col * w.getRowBytes();
    for (int64_t r = 0; r < a.rows; ++r) {
      const float *x = a.x + r * w.paddedK;
      float acc = 0.0f;
      for (int64_t i = 0; i < w.paddedK; ++i) {
        int64_t j = i % kBlockK;
        uint8_t byte = wrow[(i - j) / 2 + j % kHalfK];
        int level = (j < kHalfK ? byte & 0xF : byte >> 4) - 8;
        float term = x[i] * static_cast<float>(level);
        acc = acc + term;
      }
      a.y[r * w.n + col] = w4a16Output(a, col, acc);
    }
  }
}

} // namespace ost::runtime::kernels::detail
