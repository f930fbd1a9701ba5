//===- PackWeight.cpp - int4 weights into the kernels' layout -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/kernels/Int4Kernels.h"

namespace ost::runtime::kernels {

Status packWeightInt4(const uint8_t *packed, const float *scales, int64_t n,
                      int64_t k, PackedWeight &out) {
  if (n < 1 || k < 2 || k % 2 != 0)
    return Status::failure("an int4 weight needs n >= 1 and an even k >= 2, "
                           "got n = " +
                           std::to_string(n) + ", k = " + std::to_string(k));
  if (!packed || !scales)
    return Status::failure("the packed weight and its scales must be given");
  out.n = n;
  out.k = k;
  out.paddedK = (k + kBlockK - 1) / kBlockK * kBlockK;
  int64_t rowBytes = out.getRowBytes();
  // 0x88: both nibbles w = 0 (stored as w + 8).
  out.data.assign(static_cast<size_t>(n * rowBytes), 0x88);
  out.scales.assign(scales, scales + n);
  out.rowSums.assign(static_cast<size_t>(n), 0);
  for (int64_t row = 0; row < n; ++row) {
    const uint8_t *src = packed + row * (k / 2);
    uint8_t *dst = out.data.data() + row * rowBytes;
    int32_t sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      unsigned nibble = (src[i / 2] >> ((i % 2) * 4)) & 0xFu;
      // Two's complement nibble: w = (nibble ^ 8) − 8, stored as w + 8.
      unsigned biased = nibble ^ 0x8u;
      sum += static_cast<int32_t>(biased) - 8;
      int64_t block = i / kBlockK, j = i % kBlockK;
      uint8_t &byte = dst[block * (kBlockK / 2) + j % (kBlockK / 2)];
      if (j < kBlockK / 2)
        byte = static_cast<uint8_t>((byte & 0xF0u) | biased);
      else
        byte = static_cast<uint8_t>((byte & 0x0Fu) | (biased << 4));
    }
    out.rowSums[row] = sum;
  }
  return Status::success();
}

} // namespace ost::runtime::kernels
