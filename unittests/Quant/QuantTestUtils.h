//===- QuantTestUtils.h - shared helpers of the Quant tests -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_UNITTESTS_QUANT_QUANTTESTUTILS_H
#define OST_UNITTESTS_QUANT_QUANTTESTUTILS_H

#include "ost/Quant/ExecutorQuantParams.h"
#include "ost/Quant/WeightQuantizer.h"

#include "ost/Support/Linalg.h"

#include <cstring>
#include <vector>

namespace ost::quant::test {

/// Gaussian float values with a few large outliers (one every 97 values).
inline std::vector<float> randomWeight(int64_t rows, int64_t cols,
                                       uint64_t seed) {
  mlir::ost::RandomStream stream(seed);
  std::vector<float> w(rows * cols);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(stream.normal() * (i % 97 == 0 ? 4.0 : 1.0));
  return w;
}

/// Correlated calibration inputs [n, cols]: x = z·L with a random mixing
/// matrix L whose columns have very different scales, so that the Hessian is
/// far from diagonal and badly conditioned.
inline std::vector<float> correlatedInputs(int64_t n, int64_t cols,
                                           uint64_t seed) {
  mlir::ost::RandomStream stream(seed);
  std::vector<double> mix(cols * cols);
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j)
      mix[i * cols + j] =
          stream.normal() * (1.0 + 4.0 * (j % 7 == 0)) + (i == j ? 2.0 : 0.0);
  std::vector<double> z(cols);
  std::vector<float> x(n * cols);
  for (int64_t r = 0; r < n; ++r) {
    for (double &v : z)
      v = stream.normal();
    for (int64_t j = 0; j < cols; ++j) {
      double sum = 0.0;
      for (int64_t i = 0; i < cols; ++i)
        sum += z[i] * mix[i * cols + j];
      x[r * cols + j] = static_cast<float>(sum / cols);
    }
  }
  return x;
}

/// ‖(W − Ŵ)·Xᵀ‖_F over the calibration rows x.
inline double outputError(const std::vector<float> &w,
                          const std::vector<float> &dequantized, int64_t rows,
                          int64_t cols, const std::vector<float> &x) {
  int64_t n = static_cast<int64_t>(x.size()) / cols;
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < n; ++t) {
      double sum = 0.0;
      for (int64_t c = 0; c < cols; ++c)
        sum +=
            (static_cast<double>(w[r * cols + c]) - dequantized[r * cols + c]) *
            x[t * cols + c];
      total += sum * sum;
    }
  return std::sqrt(total);
}

template <typename T>
bool bitwiseEqual(const std::vector<T> &a, const std::vector<T> &b) {
  // memcmp of an empty vector's null data() is undefined even for size 0.
  return a.size() == b.size() &&
         (a.empty() ||
          std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

} // namespace ost::quant::test

#endif // OST_UNITTESTS_QUANT_QUANTTESTUTILS_H
