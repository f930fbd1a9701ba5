//===- Hessian.cpp - GPTQ Hessian of the layer inputs ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// H = (2/n)·Σ xᵀx over the n input rows seen so far, kept as a running
// average like the reference add_batch (H *= n_old/n_new, then
// H += (2/n_new)·XᵀX for the new rows). Rows are widened to float64 in
// blocks; each block's XᵀX is accumulated by DenseKernels' gemm over fixed
// row tiles of the upper triangle of H, then H is mirrored. Tiles and blocks
// depend only on the sizes, so H is bit-identical for any thread count.
//
//===----------------------------------------------------------------------===//

#include "ost/Quant/WeightQuantizer.h"

#include "ost/Optim/DenseKernels.h"

#include <algorithm>

using namespace ost::quant;

namespace {

/// Input rows widened to float64 per update.
constexpr int64_t kRowsPerBlock = 512;
/// Rows of H per gemm tile.
constexpr int64_t kTileRows = 128;

} // namespace

HessianAccumulator::HessianAccumulator(int64_t cols, unsigned numThreads)
    : cols(std::max<int64_t>(cols, 0)), numThreads(std::max(numThreads, 1u)),
      hessian(static_cast<size_t>(this->cols) * this->cols, 0.0) {}

void HessianAccumulator::add(const float *x, int64_t rows) {
  if (rows <= 0 || !x)
    return;
  int64_t total = count + rows;
  double keep = static_cast<double>(count) / static_cast<double>(total);
  for (double &h : hessian)
    h *= keep;
  count = total;
  if (cols == 0)
    return;
  double alpha = 2.0 / static_cast<double>(total);
  // One guard around the threads: each tile's gemm then finds OpenBLAS
  // single-threaded already.
  ost::optim::ScopedSingleThreadedBlas guard;
  std::vector<double> block(static_cast<size_t>(std::min(rows, kRowsPerBlock)) *
                            cols);
  for (int64_t r0 = 0; r0 < rows; r0 += kRowsPerBlock) {
    int64_t rb = std::min(kRowsPerBlock, rows - r0);
    const float *src = x + r0 * cols;
    std::copy(src, src + rb * cols, block.begin());
    // Upper trapezoid of each tile: H[i0:i1, i0:] += alpha·B[:, i0:i1]ᵀ·B[:,
    // i0:].
    ost::optim::parallelFor(
        cols, kTileRows, numThreads, [&](int64_t i0, int64_t i1) {
          ost::optim::gemm(/*transA=*/true, /*transB=*/false, i1 - i0,
                           cols - i0, rb, alpha, block.data() + i0, cols,
                           block.data() + i0, cols, 1.0,
                           hessian.data() + i0 * cols + i0, cols,
                           /*numThreads=*/1);
        });
  }
  // Mirror the upper triangle (the tiles also wrote some entries below the
  // diagonal inside their diagonal blocks; the upper values are the ones
  // kept).
  for (int64_t r = 1; r < cols; ++r)
    for (int64_t c = 0; c < r; ++c)
      hessian[r * cols + c] = hessian[c * cols + r];
}
