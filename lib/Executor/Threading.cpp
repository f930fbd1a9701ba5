//===- Threading.cpp - parallel loops of the executor kernels -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "Threading.h"
#include "KernelUtils.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

using namespace mlir::ost::detail;

int64_t mlir::ost::detail::grainFor(int64_t itemCost, int64_t targetCost) {
  return std::max<int64_t>(1, targetCost / std::max<int64_t>(itemCost, 1));
}

//===----------------------------------------------------------------------===//
// Tiled GEMM
//===----------------------------------------------------------------------===//

/// Tile sizes of the parallel GEMM: constants, so the BLAS calls made for a
/// given problem never depend on the number of threads.
static constexpr int64_t kTileM = 128;
static constexpr int64_t kTileN = 1024;

static void gemmTile(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                     float alpha, const float *a, int64_t lda, const float *b,
                     int64_t ldb, float *c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, 0.0f, c, ldc);
}

static void gemmTile(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                     double alpha, const double *a, int64_t lda,
                     const double *b, int64_t ldb, double *c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, 0.0, c, ldc);
}

template <typename T>
static void parallelGemm(bool transA, bool transB, int64_t m, int64_t n,
                         int64_t k, T alpha, const T *a, int64_t lda,
                         const T *b, int64_t ldb, T *c, int64_t ldc,
                         unsigned numThreads) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i)
      std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return;
  }
  int64_t tilesM = (m + kTileM - 1) / kTileM;
  int64_t tilesN = (n + kTileN - 1) / kTileN;
  parallelFor(tilesM * tilesN, 1, numThreads, [&](int64_t begin, int64_t end) {
    for (int64_t tile = begin; tile < end; ++tile) {
      int64_t i0 = (tile / tilesN) * kTileM, j0 = (tile % tilesN) * kTileN;
      int64_t mb = std::min(kTileM, m - i0), nb = std::min(kTileN, n - j0);
      const T *aTile = transA ? a + i0 : a + i0 * lda;
      const T *bTile = transB ? b + j0 * ldb : b + j0;
      gemmTile(transA, transB, mb, nb, k, alpha, aTile, lda, bTile, ldb,
               c + i0 * ldc + j0, ldc);
    }
  });
}

void mlir::ost::detail::parallelSgemm(bool transA, bool transB, int64_t m,
                                      int64_t n, int64_t k, float alpha,
                                      const float *a, int64_t lda,
                                      const float *b, int64_t ldb, float *c,
                                      int64_t ldc, unsigned numThreads) {
  parallelGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc,
               numThreads);
}

void mlir::ost::detail::parallelDgemm(bool transA, bool transB, int64_t m,
                                      int64_t n, int64_t k, double alpha,
                                      const double *a, int64_t lda,
                                      const double *b, int64_t ldb, double *c,
                                      int64_t ldc, unsigned numThreads) {
  parallelGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc,
               numThreads);
}

//===----------------------------------------------------------------------===//
// Deterministic row reductions
//===----------------------------------------------------------------------===//

/// Most chunks a row reduction is cut into (bounds the partial sums kept).
static constexpr int64_t kMaxReductionChunks = 64;

void mlir::ost::detail::accumulateRows(
    int64_t rows, int64_t cols, unsigned numThreads,
    llvm::function_ref<void(int64_t, int64_t, double *)> addRows,
    double *out) {
  std::fill(out, out + cols, 0.0);
  if (rows <= 0 || cols <= 0)
    return;
  int64_t grain = std::max(grainFor(cols),
                           (rows + kMaxReductionChunks - 1) /
                               kMaxReductionChunks);
  int64_t chunks = (rows + grain - 1) / grain;
  std::vector<double> partial(chunks * cols, 0.0);
  parallelFor(rows, grain, numThreads, [&](int64_t begin, int64_t end) {
    addRows(begin, end, partial.data() + (begin / grain) * cols);
  });
  for (int64_t c = 0; c < chunks; ++c)
    for (int64_t j = 0; j < cols; ++j)
      out[j] += partial[c * cols + j];
}
