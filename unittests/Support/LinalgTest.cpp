//===- LinalgTest.cpp - dense linear algebra for transform init -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/Linalg.h"

#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include "llvm/Support/Error.h"
#include "gtest/gtest.h"

#include "../Common/NaiveMatrix.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace mlir::ost;
using namespace ost::testing;

namespace {

/// Q·diag(d)·Qᵀ.
Matrix conjugateDiagonal(const Matrix &q, const std::vector<double> &d,
                         int64_t n) {
  Matrix qd(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      qd[i * n + j] = q[i * n + j] * d[j];
  return multiply(qd, transpose(q, n), n);
}

/// Determinant by Gaussian elimination with partial pivoting.
double determinant(Matrix a, int64_t n) {
  double det = 1.0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t pivot = k;
    for (int64_t i = k + 1; i < n; ++i)
      if (std::fabs(a[i * n + k]) > std::fabs(a[pivot * n + k]))
        pivot = i;
    if (pivot != k) {
      for (int64_t j = 0; j < n; ++j)
        std::swap(a[k * n + j], a[pivot * n + j]);
      det = -det;
    }
    det *= a[k * n + k];
    for (int64_t i = k + 1; i < n; ++i) {
      double f = a[i * n + k] / a[k * n + k];
      for (int64_t j = k; j < n; ++j)
        a[i * n + j] -= f * a[k * n + j];
    }
  }
  return det;
}

/// A plane rotation of axes (p, q) by `angle`, n × n.
Matrix givens(int64_t n, int64_t p, int64_t q, double angle) {
  Matrix g(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    g[i * n + i] = 1.0;
  g[p * n + p] = g[q * n + q] = std::cos(angle);
  g[p * n + q] = -std::sin(angle);
  g[q * n + p] = std::sin(angle);
  return g;
}

/// Success, or a failure carrying the error's message.
::testing::AssertionResult succeeded(llvm::Error err) {
  if (!err)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << llvm::toString(std::move(err));
}

std::string errorText(llvm::Error err) {
  return llvm::toString(std::move(err));
}

//===----------------------------------------------------------------------===//
// RandomStream and deriveSeed
//===----------------------------------------------------------------------===//

TEST(RandomStream, IsDeterministic) {
  RandomStream a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    double x = a.normal();
    EXPECT_EQ(x, b.normal());
    differs |= x != c.normal();
  }
  EXPECT_TRUE(differs);
}

TEST(RandomStream, MomentsMatchTheDistributions) {
  RandomStream stream(7);
  const int count = 200000;
  double uniformSum = 0, normalSum = 0, normalSq = 0, normalFourth = 0;
  int positive = 0;
  double lo = 1, hi = 0;
  for (int i = 0; i < count; ++i) {
    double u = stream.uniform();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    uniformSum += u;
    double z = stream.normal();
    normalSum += z;
    normalSq += z * z;
    normalFourth += z * z * z * z;
    double s = stream.sign();
    ASSERT_TRUE(s == 1.0 || s == -1.0);
    positive += s > 0;
  }
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_NEAR(uniformSum / count, 0.5, 0.005);
  EXPECT_NEAR(normalSum / count, 0.0, 0.01);
  EXPECT_NEAR(normalSq / count, 1.0, 0.01);
  EXPECT_NEAR(normalFourth / count, 3.0, 0.06);
  EXPECT_NEAR(double(positive) / count, 0.5, 0.005);
}

TEST(DeriveSeed, DependsOnSeedAndName) {
  EXPECT_EQ(deriveSeed(1, "layers.0.R_res"), deriveSeed(1, "layers.0.R_res"));
  EXPECT_NE(deriveSeed(1, "layers.0.R_res"), deriveSeed(2, "layers.0.R_res"));
  EXPECT_NE(deriveSeed(1, "layers.0.R_ov"), deriveSeed(1, "layers.1.R_ov"));
  EXPECT_NE(deriveSeed(0, ""), deriveSeed(0, "a"));
  EXPECT_NE(deriveSeed(1, "x"), 1u);
}

//===----------------------------------------------------------------------===//
// symmetricEigen
//===----------------------------------------------------------------------===//

TEST(SymmetricEigen, ReconstructsAKnownMatrix) {
  const int64_t n = 5;
  // A = G·diag(λ)·Gᵀ with G a product of plane rotations; λ unsorted.
  std::vector<double> lambda = {3.0, -1.5, 10.0, 0.25, 7.0};
  Matrix g = multiply(givens(n, 0, 3, 0.7), givens(n, 1, 4, -1.1), n);
  g = multiply(g, givens(n, 2, 0, 0.3), n);
  Matrix a = conjugateDiagonal(g, lambda, n);

  std::vector<double> values, vectors;
  ASSERT_TRUE(succeeded(symmetricEigen(a, n, values, vectors)));
  std::vector<double> sorted = lambda;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(values.size(), size_t(n));
  for (int64_t i = 0; i < n; ++i)
    EXPECT_NEAR(values[i], sorted[i], 1e-12);
  EXPECT_LT(maxAbsDiff(conjugateDiagonal(vectors, values, n), a), 1e-10);
  EXPECT_LT(orthogonalityError(vectors, n), 1e-12);
  // Column i is the eigenvector of λ_i: A·q_i = λ_i·q_i.
  Matrix aq = multiply(a, vectors, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < n; ++r)
      EXPECT_NEAR(aq[r * n + i], values[i] * vectors[r * n + i], 1e-10);
}

TEST(SymmetricEigen, RandomCovarianceOfSize200) {
  const int64_t n = 200;
  Matrix q = randomOrthogonal(n, 11);
  std::vector<double> lambda(n);
  for (int64_t i = 0; i < n; ++i)
    lambda[i] = std::exp(0.05 * double((i * 37) % n));
  Matrix a = conjugateDiagonal(q, lambda, n);
  std::vector<double> values, vectors;
  ASSERT_TRUE(succeeded(symmetricEigen(a, n, values, vectors)));
  EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
  std::sort(lambda.begin(), lambda.end());
  for (int64_t i = 0; i < n; ++i)
    EXPECT_NEAR(values[i], lambda[i], 1e-9 * lambda.back());
  EXPECT_LT(maxAbsDiff(conjugateDiagonal(vectors, values, n), a),
            1e-10 * lambda.back());
}

TEST(SymmetricEigen, RejectsNaNAndBadSizes) {
  Matrix a = {1.0, 0.5, 0.5, 2.0};
  a[1] = a[2] = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> values, vectors;
  std::string text = errorText(symmetricEigen(a, 2, values, vectors));
  EXPECT_NE(text.find("NaN"), std::string::npos) << text;
  EXPECT_NE(text.find("(0, 1)"), std::string::npos) << text;

  a[1] = a[2] = std::numeric_limits<double>::infinity();
  text = errorText(symmetricEigen(a, 2, values, vectors));
  EXPECT_NE(text.find("infinite"), std::string::npos) << text;

  text = errorText(symmetricEigen(Matrix(5, 1.0), 2, values, vectors));
  EXPECT_NE(text.find("got 5"), std::string::npos) << text;
}

TEST(SymmetricEigen, EmptyAndScalar) {
  std::vector<double> values = {1}, vectors = {1};
  EXPECT_TRUE(succeeded(symmetricEigen({}, 0, values, vectors)));
  EXPECT_TRUE(values.empty() && vectors.empty());
  EXPECT_TRUE(succeeded(symmetricEigen({-4.0}, 1, values, vectors)));
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0], -4.0);
  EXPECT_EQ(std::fabs(vectors[0]), 1.0);
}

//===----------------------------------------------------------------------===//
// randomOrthogonal
//===----------------------------------------------------------------------===//

TEST(RandomOrthogonal, IsOrthogonal) {
  // 64 and 256 cross the QR block size (blocked updates and Q formation);
  // 7 is a single partial block.
  for (int64_t n : {1, 2, 7, 33, 64, 100, 256}) {
    Matrix q = randomOrthogonal(n, 5);
    ASSERT_EQ(q.size(), size_t(n * n));
    EXPECT_LT(orthogonalityError(q, n), 1e-12) << "n = " << n;
    // Also QQᵀ = I, checked without BLAS.
    EXPECT_LT(orthogonalityError(transpose(q, n), n), 1e-12) << "n = " << n;
  }
}

TEST(RandomOrthogonal, IsTheQOfAGaussianMatrix) {
  // Linalg.cpp fills the Gaussian matrix G with the stream's first n²
  // normals in column-major order. Q must satisfy G = Q·R with R upper
  // triangular and a positive diagonal, i.e. Qᵀ·G is such an R.
  for (int64_t n : {3, 7, 64, 100}) {
    const uint64_t seed = 21;
    RandomStream stream(seed);
    Matrix g(n * n);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < n; ++i)
        g[i * n + j] = stream.normal();
    Matrix r = multiply(transpose(randomOrthogonal(n, seed), n), g, n);
    double worstBelow = 0.0, smallestDiagonal = INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < i; ++j)
        worstBelow = std::max(worstBelow, std::fabs(r[i * n + j]));
      smallestDiagonal = std::min(smallestDiagonal, r[i * n + i]);
    }
    EXPECT_LT(worstBelow, 1e-11) << "n = " << n;
    EXPECT_GT(smallestDiagonal, 0.0) << "n = " << n;
  }
}

TEST(RandomOrthogonal, IsDeterministicInTheSeed) {
  Matrix a = randomOrthogonal(64, 123), b = randomOrthogonal(64, 123),
         c = randomOrthogonal(64, 124);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  EXPECT_GT(maxAbsDiff(a, c), 0.1);
}

TEST(RandomOrthogonal, CoversBothDeterminantSigns) {
  // Haar over O(n): det = ±1 with equal probability.
  for (int64_t n : {1, 2, 5, 40}) {
    int positive = 0, negative = 0;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      double det = determinant(randomOrthogonal(n, seed), n);
      EXPECT_NEAR(std::fabs(det), 1.0, 1e-10);
      (det > 0 ? positive : negative) += 1;
    }
    EXPECT_GT(positive, 5) << "n = " << n;
    EXPECT_GT(negative, 5) << "n = " << n;
  }
}

TEST(RandomOrthogonal, HasHaarMoments) {
  // Entries of a Haar matrix have mean 0 and variance 1/n. Without the sign
  // correction the Householder Q is biased: its first column is x/beta with
  // beta = -sign(x_0)·|x|, so Q_00 would always be negative.
  const int64_t n = 8;
  const int samples = 4000;
  std::vector<double> sum(n * n, 0.0), sumSq(n * n, 0.0);
  for (int s = 0; s < samples; ++s) {
    Matrix q = randomOrthogonal(n, 1000 + s);
    for (int64_t i = 0; i < n * n; ++i) {
      sum[i] += q[i];
      sumSq[i] += q[i] * q[i];
    }
  }
  for (int64_t i = 0; i < n * n; ++i) {
    // Standard error of a mean of `samples` values of variance 1/8.
    EXPECT_NEAR(sum[i] / samples, 0.0, 5 * std::sqrt(1.0 / n / samples)) << i;
    EXPECT_NEAR(sumSq[i] / samples, 1.0 / n, 0.02) << i;
  }
}

//===----------------------------------------------------------------------===//
// randomSignHadamard
//===----------------------------------------------------------------------===//

TEST(RandomSignHadamard, IsAScaledSignedTransposedHadamard) {
  for (int64_t n : {1, 2, 12, 24, 48, 96, 128, 172}) {
    llvm::Expected<Matrix> h = randomSignHadamard(n, 9);
    ASSERT_TRUE(bool(h)) << llvm::toString(h.takeError());
    double entry = 1.0 / std::sqrt(double(n));
    for (double v : *h)
      ASSERT_NEAR(std::fabs(v), entry, 1e-15) << "n = " << n;
    EXPECT_LT(orthogonalityError(*h, n), 1e-12) << "n = " << n;
    // Row i is ± column i of 𝓗.
    Matrix ref = getNormalizedHadamard(n);
    for (int64_t i = 0; i < n; ++i) {
      double sign = (*h)[i * n] / ref[i];
      for (int64_t j = 0; j < n; ++j)
        ASSERT_EQ((*h)[i * n + j], sign * ref[j * n + i]);
    }
  }
}

TEST(RandomSignHadamard, SignsDependOnTheSeed) {
  const int64_t n = 64;
  Matrix a = *randomSignHadamard(n, 1), b = *randomSignHadamard(n, 1),
         c = *randomSignHadamard(n, 2);
  EXPECT_EQ(a, b);
  int flipped = 0;
  for (int64_t i = 0; i < n; ++i)
    flipped += a[i * n] != c[i * n];
  EXPECT_GT(flipped, 10);
  EXPECT_LT(flipped, 54);
}

TEST(RandomSignHadamard, RejectsUnknownOrders) {
  for (int64_t n : {6, 22, 92}) {
    ASSERT_FALSE(getHadamardFactor(n).has_value()) << n;
    llvm::Expected<Matrix> h = randomSignHadamard(n, 0);
    ASSERT_FALSE(bool(h));
    std::string text = llvm::toString(h.takeError());
    EXPECT_NE(text.find("order " + std::to_string(n)), std::string::npos)
        << text;
    EXPECT_NE(text.find(formatKnownHadamardOrders()), std::string::npos)
        << text;
  }
}

//===----------------------------------------------------------------------===//
// MomentAccumulator
//===----------------------------------------------------------------------===//

TEST(MomentAccumulator, MatchesTwoPassWithALargeOffset) {
  const int64_t dim = 24, rows = 1000;
  RandomStream stream(3);
  // Correlated data around 1e4: x = 1e4 + j + A·z.
  Matrix mix(dim * dim);
  for (double &v : mix)
    v = stream.normal();
  std::vector<double> data(rows * dim);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> z(dim);
    for (double &v : z)
      v = stream.normal();
    for (int64_t i = 0; i < dim; ++i) {
      double x = 1e4 + double(i);
      for (int64_t k = 0; k < dim; ++k)
        x += mix[i * dim + k] * z[k];
      data[r * dim + i] = x;
    }
  }
  // Two-pass reference.
  std::vector<double> refMean(dim, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < dim; ++i)
      refMean[i] += data[r * dim + i] / rows;
  Matrix refCov(dim * dim, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < dim; ++i)
      for (int64_t j = 0; j < dim; ++j)
        refCov[i * dim + j] += (data[r * dim + i] - refMean[i]) *
                               (data[r * dim + j] - refMean[j]) / rows;

  // Uneven chunks that cross the internal block size.
  MomentAccumulator acc(dim);
  int64_t chunks[] = {1, 300, 7, 692};
  int64_t offset = 0;
  for (int64_t c : chunks) {
    acc.addRows(&data[offset * dim], c);
    offset += c;
  }
  ASSERT_EQ(offset, rows);
  EXPECT_EQ(acc.getCount(), rows);
  EXPECT_EQ(acc.getDim(), dim);
  std::vector<double> mean = acc.mean();
  Matrix cov = acc.covariance();
  for (int64_t i = 0; i < dim; ++i)
    EXPECT_NEAR(mean[i], refMean[i], 1e-9);
  EXPECT_LT(maxAbsDiff(cov, refCov), 1e-9);
  EXPECT_EQ(cov, transpose(cov, dim));
}

TEST(MomentAccumulator, FloatRowsMatchDoubleRows) {
  const int64_t dim = 5, rows = 600;
  RandomStream stream(4);
  std::vector<float> f(rows * dim);
  std::vector<double> d(rows * dim);
  for (int64_t i = 0; i < rows * dim; ++i) {
    f[i] = static_cast<float>(1e4 + 3.0 * stream.normal());
    d[i] = f[i];
  }
  MomentAccumulator af(dim), ad(dim);
  af.addRows(f.data(), rows);
  ad.addRows(d.data(), rows);
  EXPECT_EQ(af.mean(), ad.mean());
  EXPECT_EQ(af.covariance(), ad.covariance());
  // Variance of the float samples is about 9 (rounding at 1e4 is ~5e-4).
  for (int64_t i = 0; i < dim; ++i)
    EXPECT_NEAR(ad.covariance()[i * dim + i], 9.0, 1.5);
}

TEST(MomentAccumulator, EmptyAndConstant) {
  MomentAccumulator acc(3);
  EXPECT_EQ(acc.mean(), std::vector<double>(3, 0.0));
  std::vector<double> row = {1e8, -2.0, 0.5};
  for (int i = 0; i < 4; ++i)
    acc.addRows(row.data(), 1);
  EXPECT_EQ(acc.mean(), row);
  EXPECT_EQ(acc.covariance(), std::vector<double>(9, 0.0));
}

//===----------------------------------------------------------------------===//
// womiRotation
//===----------------------------------------------------------------------===//

TEST(WomiRotation, EqualizesTheDiagonal) {
  for (int64_t n : {16, 24, 172}) {
    Matrix basis = randomOrthogonal(n, 77);
    std::vector<double> lambda(n);
    RandomStream stream(n);
    for (double &l : lambda)
      l = std::exp(3.0 * stream.normal()); // Spread over many decades.
    Matrix c = conjugateDiagonal(basis, lambda, n);
    double trace = 0.0;
    for (int64_t i = 0; i < n; ++i)
      trace += c[i * n + i];

    llvm::Expected<Matrix> r = womiRotation(c, n, 5);
    ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
    EXPECT_LT(orthogonalityError(*r, n), 1e-12) << "n = " << n;
    Matrix rcr = multiply(multiply(transpose(*r, n), c, n), *r, n);
    for (int64_t j = 0; j < n; ++j)
      EXPECT_NEAR(rcr[j * n + j], trace / n, 1e-9 * trace / n)
          << "n = " << n << ", j = " << j;
  }
}

TEST(WomiRotation, IsEigenvectorsTimesRandomSignHadamard) {
  const int64_t n = 12;
  Matrix c = conjugateDiagonal(randomOrthogonal(n, 1),
                               {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, n);
  std::vector<double> values, vectors;
  ASSERT_TRUE(succeeded(symmetricEigen(c, n, values, vectors)));
  Matrix expected = multiply(vectors, *randomSignHadamard(n, 8), n);
  llvm::Expected<Matrix> r = womiRotation(c, n, 8);
  ASSERT_TRUE(bool(r));
  EXPECT_LT(maxAbsDiff(*r, expected), 1e-14);
}

TEST(WomiRotation, ReportsErrors) {
  llvm::Expected<Matrix> r = womiRotation(Matrix(36, 0.0), 6, 0);
  ASSERT_FALSE(bool(r));
  EXPECT_NE(llvm::toString(r.takeError()).find("order 6"), std::string::npos);

  Matrix c(16, 0.0);
  c[5] = std::numeric_limits<double>::quiet_NaN();
  r = womiRotation(c, 4, 0);
  ASSERT_FALSE(bool(r));
  EXPECT_NE(llvm::toString(r.takeError()).find("NaN"), std::string::npos);
}

TEST(OrthogonalityError, MeasuresTheDeviation) {
  Matrix eye = {1, 0, 0, 1};
  EXPECT_EQ(orthogonalityError(eye, 2), 0.0);
  Matrix skewed = {1, 0.1, 0, 1}; // QᵀQ = [[1, .1], [.1, 1.01]].
  EXPECT_NEAR(orthogonalityError(skewed, 2), 0.1, 1e-15);
  Matrix bad = {1, 0, 0, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_TRUE(std::isnan(orthogonalityError(bad, 2)));
}

} // namespace
