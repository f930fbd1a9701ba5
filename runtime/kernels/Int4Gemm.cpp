//===- Int4Gemm.cpp - W4A4/W4A16 drivers: checks, padding, threads --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "Int4GemmImpl.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace ost::runtime::kernels {

using namespace detail;

namespace {

/// Columns per unit of work handed to a thread (a multiple of every tile
/// width). Units go round-robin to threads, so the split is fixed.
constexpr int64_t kColumnChunk = 64;

/// Runs fn(n0, n1) over [0, n) in kColumnChunk pieces on up to numThreads
/// threads.
template <typename Fn>
void parallelColumns(int64_t n, unsigned numThreads, Fn fn) {
  int64_t chunks = (n + kColumnChunk - 1) / kColumnChunk;
  unsigned threads = static_cast<unsigned>(
      std::min<int64_t>(std::max(1u, numThreads), chunks));
  auto worker = [&](unsigned t) {
    for (int64_t c = t; c < chunks; c += threads)
      fn(c * kColumnChunk, std::min(n, (c + 1) * kColumnChunk));
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker, t);
  worker(0);
  for (std::thread &th : pool)
    th.join();
}

/// Resolves Isa::Auto and rejects a path this CPU cannot run.
Status resolveIsa(Isa &isa) {
  if (isa == Isa::Auto)
    isa = getBestIsa();
  if (!isIsaSupported(isa))
    return Status::failure(std::string("this cpu does not support the ") +
                           getIsaName(isa) + " kernels");
  return Status::success();
}

Status checkGemm(const void *act, int64_t rows, const PackedWeight &w,
                 const float *y) {
  if (rows < 0)
    return Status::failure("the number of rows must be >= 0, got " +
                           std::to_string(rows));
  if (w.n < 1 || w.k < 2 || w.paddedK % kBlockK != 0 || w.paddedK < w.k ||
      static_cast<int64_t>(w.data.size()) != w.n * w.getRowBytes() ||
      static_cast<int64_t>(w.scales.size()) != w.n ||
      static_cast<int64_t>(w.rowSums.size()) != w.n)
    return Status::failure("the weight is not a packed int4 weight (build it "
                           "with packWeightInt4)");
  if (rows > 0 && (!act || !y))
    return Status::failure("gemm operands must not be null");
  return Status::success();
}

} // namespace

Status qgemmW4A4(const uint8_t *q, const float *scales,
                 const int32_t *zeroPoints, int64_t rows, const PackedWeight &w,
                 float *y, unsigned numThreads, Isa isa) {
  if (Status s = checkGemm(q, rows, w, y); !s.ok())
    return s;
  if (Status s = resolveIsa(isa); !s.ok())
    return s;
  if (rows == 0)
    return Status::success();
  if (!scales || !zeroPoints)
    return Status::failure("w4a4 needs per-row scales and zero points");
  // Levels padded with 0 to paddedK, and their sums.
  std::vector<uint8_t> act(static_cast<size_t>(rows * w.paddedK), 0);
  std::vector<int32_t> qSums(static_cast<size_t>(rows), 0);
  for (int64_t r = 0; r < rows; ++r) {
    int32_t sum = 0;
    for (int64_t i = 0; i < w.k; ++i) {
      uint8_t level = q[r * w.k + i];
      if (level > 15)
        return Status::failure("activation level " + std::to_string(level) +
                               " at row " + std::to_string(r) +
                               " is outside 0..15");
      act[r * w.paddedK + i] = level;
      sum += level;
    }
    qSums[r] = sum;
  }
  W4A4Args args{act.data(), rows, qSums.data(), zeroPoints, scales, &w, y};
  void (*kernel)(const W4A4Args &, int64_t, int64_t) =
      isa == Isa::Avx512 ? w4a4Avx512
      : isa == Isa::Avx2 ? w4a4Avx2
                         : w4a4Scalar;
  parallelColumns(w.n, numThreads,
                  [&](int64_t n0, int64_t n1) { kernel(args, n0, n1); });
  return Status::success();
}

Status qgemmW4A16(const float *x, int64_t rows, const PackedWeight &w, float *y,
                  unsigned numThreads, Isa isa) {
  if (Status s = checkGemm(x, rows, w, y); !s.ok())
    return s;
  if (Status s = resolveIsa(isa); !s.ok())
    return s;
  if (rows == 0)
    return Status::success();
  const float *padded = x;
  std::vector<float> buffer;
  if (w.paddedK != w.k) {
    buffer.assign(static_cast<size_t>(rows * w.paddedK), 0.0f);
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(buffer.data() + r * w.paddedK, x + r * w.k,
                  static_cast<size_t>(w.k) * sizeof(float));
    padded = buffer.data();
  }
  W4A16Args args{padded, rows, &w, y};
  void (*kernel)(const W4A16Args &, int64_t, int64_t) =
      isa == Isa::Avx512 ? w4a16Avx512
      : isa == Isa::Avx2 ? w4a16Avx2
                         : w4a16Scalar;
  parallelColumns(w.n, numThreads,
                  [&](int64_t n0, int64_t n1) { kernel(args, n0, n1); });
  return Status::success();
}

} // namespace ost::runtime::kernels
