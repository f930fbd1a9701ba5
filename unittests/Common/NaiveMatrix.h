//===- NaiveMatrix.h - BLAS-free reference matrix helpers for tests -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Square row-major float64 matrices with naive loops, independent of the
// BLAS/LAPACK code under test (lib/Support/Linalg, lib/Optim).
//
//===----------------------------------------------------------------------===//

#ifndef OST_UNITTESTS_COMMON_NAIVEMATRIX_H
#define OST_UNITTESTS_COMMON_NAIVEMATRIX_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ost::testing {

using Matrix = std::vector<double>;

/// C = A·B for n × n matrices.
inline Matrix multiply(const Matrix &a, const Matrix &b, int64_t n) {
  Matrix c(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j)
        c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
}

/// Aᵀ for an n × n matrix.
inline Matrix transpose(const Matrix &a, int64_t n) {
  Matrix t(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      t[j * n + i] = a[i * n + j];
  return t;
}

/// max |a − b| over the elements.
inline double maxAbsDiff(const Matrix &a, const Matrix &b) {
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

} // namespace ost::testing

#endif // OST_UNITTESTS_COMMON_NAIVEMATRIX_H
