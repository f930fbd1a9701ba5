//===- GPTQ.cpp - GPTQ weight quantization --------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// GPTQ (Frantar et al., 2023) as the reference fasterquant runs it (METHOD
// §5.7). Columns are quantized left to right; the rounding error of column
// c, divided by U_cc, is propagated into the columns to its right through
// row c of U = cholesky(H⁻¹, upper). Inside a block of columns the
// propagation is immediate; to the columns after the block it is applied
// once per block as one matrix product (the "lazy batch" update).
//
// All of W and U is float64 here (the reference uses float32); the values
// handed to the grid are rounded to float32, the grid's own precision.
// Rows are independent inside a block, so threads split rows there and the
// block update is DenseKernels' fixed-tile gemm: the result does not depend
// on the thread count.
//
//===----------------------------------------------------------------------===//

#include "ost/Quant/WeightQuantizer.h"

#include "WeightGrid.h"

#include "ost/Optim/DenseKernels.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace ost::quant;

namespace {

/// Rows per thread chunk inside a block.
constexpr int64_t kRowsPerChunk = 32;

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "gptq: " + message);
}

/// Checks everything quantizeGPTQ needs besides positive definiteness.
llvm::Error checkGPTQInputs(const float *weight, int64_t rows, int64_t cols,
                            llvm::ArrayRef<double> hessian,
                            const WeightQuantOptions &options,
                            const GPTQOptions &gptq) {
  if (llvm::Error err = checkWeightQuantOptions(rows, cols, options))
    return makeError(llvm::toString(std::move(err)));
  if (!weight && rows * cols > 0)
    return makeError("missing weight data");
  if (hessian.size() != static_cast<size_t>(cols) * cols)
    return makeError("the hessian holds " + llvm::Twine(hessian.size()) +
                     " values, expected " + llvm::Twine(cols) + "x" +
                     llvm::Twine(cols) + " for a weight of " +
                     llvm::Twine(cols) + " input columns");
  for (size_t i = 0; i < hessian.size(); ++i)
    if (!std::isfinite(hessian[i]))
      return makeError("the hessian entry (" + llvm::Twine(i / cols) + ", " +
                       llvm::Twine(i % cols) + ") is not finite");
  if (gptq.blockSize < 1)
    return makeError("the block size must be at least 1, got " +
                     llvm::Twine(gptq.blockSize));
  if (!(gptq.percDamp >= 0.0) || !std::isfinite(gptq.percDamp))
    return makeError("the damping fraction must be finite and >= 0");
  if (gptq.actOrder && options.groupSize > 0)
    return makeError("act-order with groups is not supported: the groups of "
                     "the packed layout follow the original column order");
  return llvm::Error::success();
}

} // namespace

llvm::Expected<QuantizedWeight>
ost::quant::quantizeGPTQ(const float *weight, int64_t rows, int64_t cols,
                         llvm::ArrayRef<double> hessian,
                         const WeightQuantOptions &options,
                         const GPTQOptions &gptq) {
  if (llvm::Error err =
          checkGPTQInputs(weight, rows, cols, hessian, options, gptq))
    return std::move(err);
  QuantizedWeight q = detail::makeQuantizedWeight(rows, cols, options);
  if (rows == 0 || cols == 0)
    return q;
  unsigned threads = std::max(options.numThreads, 1u);
  ost::optim::ScopedSingleThreadedBlas guard;
  ::ost::numerics::QuantizerSpec spec = toQuantizerSpec(options);
  int64_t groupSize = options.groupSize;

  // Per-row grids come from the original weight, before any update.
  std::vector<::ost::numerics::QuantGrid> grids(static_cast<size_t>(rows) *
                                                q.groups);
  if (groupSize == 0)
    ost::optim::parallelFor(
        rows, kRowsPerChunk, threads, [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            grids[r] =
                ::ost::numerics::searchClipGrid(weight + r * cols, cols, spec);
            detail::storeGrid(q, r, grids[r]);
          }
        });

  // Dead inputs: H_ii = 1 and a zero column.
  std::vector<double> h(hessian.begin(), hessian.end());
  std::vector<bool> dead(cols);
  for (int64_t i = 0; i < cols; ++i)
    if (h[i * cols + i] == 0.0) {
      dead[i] = true;
      h[i * cols + i] = 1.0;
    }

  // Column order: by decreasing H_ii with act-order (ties: lower index).
  std::vector<int64_t> perm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  if (gptq.actOrder) {
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
      double ha = h[a * cols + a], hb = h[b * cols + b];
      return ha != hb ? ha > hb : a < b;
    });
    std::vector<double> permuted(h.size());
    for (int64_t r = 0; r < cols; ++r)
      for (int64_t c = 0; c < cols; ++c)
        permuted[r * cols + c] = h[perm[r] * cols + perm[c]];
    h = std::move(permuted);
  }
  // The working weight, float64, in processing order.
  std::vector<double> w(static_cast<size_t>(rows) * cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      w[r * cols + c] =
          dead[perm[c]] ? 0.0 : static_cast<double>(weight[r * cols + perm[c]]);

  // Damping, then U = cholesky(H⁻¹, upper).
  double meanDiagonal = 0.0;
  for (int64_t i = 0; i < cols; ++i)
    meanDiagonal += h[i * cols + i];
  meanDiagonal /= static_cast<double>(cols);
  double damp = gptq.percDamp * meanDiagonal;
  for (int64_t i = 0; i < cols; ++i)
    h[i * cols + i] += damp;
  std::vector<double> u;
  if (llvm::Error err = ost::optim::inverseCholeskyUpper(std::move(h), cols, u))
    return makeError("the hessian is not positive definite after damping "
                     "(percdamp " +
                     llvm::formatv("{0}", gptq.percDamp) +
                     "): " + llvm::toString(std::move(err)));

  // Blocks hold whole groups, so a group's grid is chosen once all earlier
  // columns have propagated their error into it.
  int64_t blockSize = gptq.blockSize;
  if (groupSize > 0)
    blockSize = std::max(groupSize, blockSize / groupSize * groupSize);
  int64_t maxBlock = std::min(blockSize, cols);
  // Block columns and their scaled errors, column-major ([column][row]).
  std::vector<double> block(static_cast<size_t>(maxBlock) * rows);
  std::vector<double> errors(static_cast<size_t>(maxBlock) * rows);
  for (int64_t i1 = 0; i1 < cols; i1 += blockSize) {
    int64_t i2 = std::min(i1 + blockSize, cols), count = i2 - i1;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < count; ++j)
        block[j * rows + r] = w[r * cols + i1 + j];
    ost::optim::parallelFor(
        rows, kRowsPerChunk, threads, [&](int64_t begin, int64_t end) {
          std::vector<float> groupValues(std::max<int64_t>(groupSize, 0));
          for (int64_t i = 0; i < count; ++i) {
            int64_t c = i1 + i;
            const double *uRow = &u[c * cols];
            if (groupSize > 0 && c % groupSize == 0)
              for (int64_t r = begin; r < end; ++r) {
                for (int64_t j = 0; j < groupSize; ++j)
                  groupValues[j] =
                      static_cast<float>(block[(i + j) * rows + r]);
                int64_t g = r * q.groups + c / groupSize;
                grids[g] = ::ost::numerics::searchClipGrid(groupValues.data(),
                                                           groupSize, spec);
                detail::storeGrid(q, g, grids[g]);
              }
            double diagonal = uRow[c];
            for (int64_t r = begin; r < end; ++r) {
              const ::ost::numerics::QuantGrid &grid =
                  grids[groupSize > 0 ? r * q.groups + c / groupSize : r];
              double value = block[i * rows + r];
              double quantized = detail::storeLevel(q, r * cols + perm[c], grid,
                                                    static_cast<float>(value));
              errors[i * rows + r] = (value - quantized) / diagonal;
            }
            for (int64_t j = i + 1; j < count; ++j) {
              double factor = uRow[i1 + j];
              for (int64_t r = begin; r < end; ++r)
                block[j * rows + r] -= errors[i * rows + r] * factor;
            }
          }
        });
    // W[:, i2:] −= E·U[i1:i2, i2:], E = errorsᵀ : [rows, count].
    if (i2 < cols)
      ost::optim::gemm(/*transA=*/true, /*transB=*/false, rows, cols - i2,
                       count, -1.0, errors.data(), rows, &u[i1 * cols + i2],
                       cols, 1.0, &w[i2], cols, threads);
  }
  return q;
}
