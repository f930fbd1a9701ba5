//===- DenseKernelsTest.cpp - deterministic threaded float64 matrices -----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/DenseKernels.h"

#include "ost/Support/Linalg.h"

#include "gtest/gtest.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

using namespace ost::optim;

namespace {

using Matrix = std::vector<double>;

Matrix randomMatrix(int64_t rows, int64_t cols, uint64_t seed) {
  mlir::ost::RandomStream stream(seed);
  Matrix m(rows * cols);
  for (double &x : m)
    x = stream.normal();
  return m;
}

/// Element (r, c) of op(A) for a row-major A with leading dimension ld.
double at(const Matrix &a, int64_t ld, bool trans, int64_t r, int64_t c) {
  return trans ? a[c * ld + r] : a[r * ld + c];
}

TEST(DenseKernelsTest, ParallelForVisitsEveryChunkOnce) {
  std::vector<std::atomic<int>> visits(1000);
  parallelFor(1000, 7, 4, [&](int64_t begin, int64_t end) {
    EXPECT_EQ(begin % 7, 0);
    EXPECT_LE(end - begin, 7);
    for (int64_t i = begin; i < end; ++i)
      ++visits[i];
  });
  for (auto &v : visits)
    EXPECT_EQ(v.load(), 1);
  parallelFor(0, 7, 4, [](int64_t, int64_t) { FAIL(); });
}

TEST(DenseKernelsTest, GemmMatchesNaiveProductsForAllTransposes) {
  const int64_t m = 150, n = 70, k = 40;
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      int64_t lda = transA ? m : k, ldb = transB ? k : n;
      Matrix a = randomMatrix(transA ? k : m, lda, 1);
      Matrix b = randomMatrix(transB ? n : k, ldb, 2);
      Matrix c = randomMatrix(m, n, 3), expected = c;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double sum = 0.0;
          for (int64_t l = 0; l < k; ++l)
            sum += at(a, lda, transA, i, l) * at(b, ldb, transB, l, j);
          expected[i * n + j] = 0.5 * expected[i * n + j] - 2.0 * sum;
        }
      gemm(transA, transB, m, n, k, -2.0, a.data(), lda, b.data(), ldb, 0.5,
           c.data(), n, 3);
      for (size_t i = 0; i < c.size(); ++i)
        ASSERT_NEAR(c[i], expected[i], 1e-12) << transA << transB << i;
    }
}

TEST(DenseKernelsTest, GemmIsIndependentOfThreadCounts) {
  const int64_t n = 400;
  Matrix a = randomMatrix(n, n, 4), b = randomMatrix(n, n, 5);
  auto run = [&](unsigned threads, int blasThreads) {
    openblas_set_num_threads(blasThreads);
    Matrix c(n * n, 0.0);
    gemm(false, true, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0, c.data(), n,
         threads);
    return c;
  };
  Matrix one = run(1, 1), many = run(4, 2);
  openblas_set_num_threads(1);
  EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(double)),
            0);
}

TEST(DenseKernelsTest, SolveLinear) {
  const int64_t n = 50, k = 300;
  Matrix a = randomMatrix(n, n, 6);
  Matrix x = randomMatrix(n, k, 7), b(n * k, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      for (int64_t l = 0; l < n; ++l)
        b[i * k + j] += a[i * n + l] * x[l * k + j];
  ASSERT_FALSE(llvm::errorToBool(solveLinear(a, n, b, k, 2)));
  for (size_t i = 0; i < b.size(); ++i)
    ASSERT_NEAR(b[i], x[i], 1e-10);
  Matrix singular(4, 1.0), rhs(2, 1.0);
  llvm::Error err = solveLinear(singular, 2, rhs, 1, 1);
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "solveLinear: the 2x2 matrix is singular (LAPACK dgetrf info = 2)");
  err = solveLinear(singular, 2, rhs, 3, 1);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "solveLinear: expected 2x3 right-hand sides, got 2 values");
}

TEST(DenseKernelsTest, PolarFactorIsTheNearestOrthogonalMatrix) {
  // X = Q·S with Q orthogonal and S symmetric positive definite: polar = Q.
  const int64_t n = 20;
  Matrix q = mlir::ost::randomOrthogonal(n, 8);
  Matrix g = randomMatrix(n, n, 9), s(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t l = 0; l < n; ++l)
        s[i * n + j] += 0.1 * g[l * n + i] * g[l * n + j];
      s[i * n + j] += i == j ? 1.0 : 0.0;
    }
  Matrix x(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t l = 0; l < n; ++l)
        x[i * n + j] += q[i * n + l] * s[l * n + j];
  ASSERT_FALSE(llvm::errorToBool(polarFactor(x, n)));
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_NEAR(x[i], q[i], 1e-12);
  Matrix bad = {1.0, NAN, 0.0, 1.0};
  llvm::Error err = polarFactor(bad, 2);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "polarFactor: the matrix holds a non-finite value");
}

TEST(DenseKernelsTest, QROrthonormalizeKeepsAnUpperTriangularFactor) {
  const int64_t n = 15;
  Matrix x = randomMatrix(n, n, 10), q = x;
  ASSERT_FALSE(llvm::errorToBool(qrOrthonormalize(q, n)));
  EXPECT_LT(mlir::ost::orthogonalityError(q, n), 1e-14);
  // R = Qᵀ·X is upper triangular with a non-negative diagonal.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      double r = 0.0;
      for (int64_t l = 0; l < n; ++l)
        r += q[l * n + i] * x[l * n + j];
      if (j < i)
        EXPECT_NEAR(r, 0.0, 1e-12) << i << "," << j;
      else
        EXPECT_GT(r, 0.0);
    }
}

TEST(DenseKernelsTest, InverseCholeskyUpper) {
  const int64_t n = 30;
  Matrix g = randomMatrix(n, n, 11), a(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t l = 0; l < n; ++l)
        a[i * n + j] += g[l * n + i] * g[l * n + j];
      a[i * n + j] += i == j ? 0.5 : 0.0;
    }
  Matrix u;
  ASSERT_FALSE(llvm::errorToBool(inverseCholeskyUpper(a, n, u)));
  // U is upper triangular and (UᵀU)·A = I.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j)
      EXPECT_EQ(u[i * n + j], 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t l = 0; l < n; ++l) {
        double inverse = 0.0;
        for (int64_t t = 0; t < n; ++t)
          inverse += u[t * n + i] * u[t * n + l];
        sum += inverse * a[l * n + j];
      }
      ASSERT_NEAR(sum, i == j ? 1.0 : 0.0, 1e-9);
    }
  Matrix indefinite = {1.0, 2.0, 2.0, 1.0};
  llvm::Error err = inverseCholeskyUpper(indefinite, 2, u);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "the matrix is not positive definite (its trailing principal "
            "minor of order 2 is not positive)");
  EXPECT_TRUE(u.empty());
  // The failing minor is counted from the end.
  Matrix trailing = {1.0, 0.0, 0.0, 0.0, 2.0, 3.0, 0.0, 3.0, 2.0};
  err = inverseCholeskyUpper(trailing, 3, u);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "the matrix is not positive definite (its trailing principal "
            "minor of order 2 is not positive)");
}

} // namespace
