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

Status computeGroupSums(const PackedWeight &w, int64_t groupSize,
                        std::vector<int32_t> &sums) {
  if (w.n < 1 || w.k < 1 ||
      static_cast<int64_t>(w.data.size()) != w.n * w.getRowBytes())
    return Status::failure("the weight is not a packed int4 weight (build it "
                           "with packWeightInt4)");
  if (groupSize < 0 || (groupSize > 0 && w.k % groupSize != 0))
    return Status::failure("the group size " + std::to_string(groupSize) +
                           " does not divide k = " + std::to_string(w.k));
  int64_t group = groupSize > 0 ? groupSize : w.k;
  int64_t groups = w.k / group;
  sums.assign(static_cast<size_t>(w.n * groups), 0);
  for (int64_t row = 0; row < w.n; ++row) {
    const uint8_t *src = w.data.data() + row * w.getRowBytes();
    for (int64_t i = 0; i < w.k; ++i) {
      int64_t block = i / kBlockK, j = i % kBlockK;
      uint8_t byte = src[block * (kBlockK / 2) + j % (kBlockK / 2)];
      int biased = j < kBlockK / 2 ? byte & 0xF : byte >> 4;
      sums[row * groups + i / group] += biased - 8;
    }
  }
  return Status::success();
}

} // namespace ost::runtime::kernels
