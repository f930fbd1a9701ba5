//===- Int4GemmScalar.cpp - portable int4 microkernels --------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "Int4GemmImpl.h"

namespace ost::runtime::kernels::detail {

void w4a4Scalar(const W4A4Args &a, int64_t n0, int64_t n1) {
  const PackedWeight &w = *a.w;
  constexpr int64_t half = kBlockK / 2;
  for (int64_t col = n0; col < n1; ++col) {
    const uint8_t *wrow = w.data.data() + col * w.getRowBytes();
    for (int64_t r = 0; r < a.rows; ++r) {
      const uint8_t *act = a.act + r * w.paddedK;
      int32_t dot = 0;
      for (int64_t kb = 0; kb < w.paddedK; kb += kBlockK) {
        const uint8_t *wb = wrow + kb / 2;
        for (int64_t j = 0; j < half; ++j)
          dot +=
              act[kb + j] * (wb[j] & 0xF) + act[kb + half + j] * (wb[j] >> 4);
      }
      a.y[r * w.n + col] = w4a4Output(a, r, col, dot);
    }
  }
}

void w4a16Scalar(const W4A16Args &a, int64_t n0, int64_t n1) {
  const PackedWeight &w = *a.w;
  constexpr int64_t half = kBlockK / 2;
  for (int64_t col = n0; col < n1; ++col) {
    const uint8_t *wrow = w.data.data() + col * w.getRowBytes();
    for (int64_t r = 0; r < a.rows; ++r) {
      const float *x = a.x + r * w.paddedK;
      float acc = 0.0f;
      for (int64_t i = 0; i < w.paddedK; ++i) {
        int64_t j = i % kBlockK;
        uint8_t byte = wrow[(i - j) / 2 + j % half];
        int level = (j < half ? byte & 0xF : byte >> 4) - 8;
        acc += x[i] * static_cast<float>(level);
      }
      a.y[r * w.n + col] = acc * w.scales[col];
    }
  }
}

} // namespace ost::runtime::kernels::detail
