//===- QSURTest.cpp - quantization space utilization rate -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/QSUR.h"

#include "ost/Support/Hadamard.h"
#include "ost/Support/Linalg.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/MathExtras.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

using namespace mlir::ost;

namespace {

using Matrix = std::vector<double>;

constexpr double kPi = llvm::numbers::pi;

Matrix diagonal(const std::vector<double> &d) {
  int64_t n = static_cast<int64_t>(d.size());
  Matrix m(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    m[i * n + i] = d[i];
  return m;
}

/// R·A·Rᵀ for n × n row-major matrices.
Matrix conjugate(const Matrix &r, const Matrix &a, int64_t n) {
  Matrix ra(n * n, 0.0), result(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j)
        ra[i * n + j] += r[i * n + k] * a[k * n + j];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < n; ++k)
        result[i * n + j] += ra[i * n + k] * r[j * n + k];
  return result;
}

/// computeQSUR that must succeed.
QSURResult qsur(llvm::ArrayRef<double> mean, const Matrix &cov, int64_t d,
                const QSUROptions &options = {}) {
  llvm::Expected<QSURResult> result = computeQSUR(mean, cov, d, options);
  if (!result) {
    ADD_FAILURE() << llvm::toString(result.takeError());
    return {};
  }
  return *result;
}

std::string errorOf(llvm::ArrayRef<double> mean, const Matrix &cov, int64_t d,
                    const QSUROptions &options = {}) {
  llvm::Expected<QSURResult> result = computeQSUR(mean, cov, d, options);
  if (result)
    return "";
  return llvm::toString(result.takeError());
}

TEST(QSUR, BallToCubeRatio) {
  EXPECT_NEAR(logBallToCubeRatio(1), 0.0, 1e-15);
  EXPECT_NEAR(logBallToCubeRatio(2), std::log(kPi / 4), 1e-15);
  EXPECT_NEAR(logBallToCubeRatio(3), std::log(kPi / 6), 1e-15);
  double big = logBallToCubeRatio(4096);
  EXPECT_TRUE(std::isfinite(big));
  EXPECT_LT(big, -1000.0); // C_4096 itself underflows a double.
}

TEST(QSUR, IsotropicCovarianceReachesTheBound) {
  for (int64_t d : {1, 2, 3, 10}) {
    QSURResult r = qsur({}, diagonal(std::vector<double>(d, 2.5)), d);
    EXPECT_NEAR(r.logQsur, logBallToCubeRatio(d), 1e-12) << d;
    EXPECT_NEAR(r.logQsurPerDim, r.logQsur / d, 1e-15);
    EXPECT_EQ(r.dim, d);
    EXPECT_EQ(r.clampedEigenvalues, 0);
  }
  QSURResult r = qsur({}, diagonal({1.0, 1.0}), 2);
  EXPECT_NEAR(std::exp(r.logQsur), kPi / 4, 1e-14);
}

TEST(QSUR, LargeIsotropicDoesNotUnderflow) {
  const int64_t d = 4096;
  QSURResult r = qsur({}, diagonal(std::vector<double>(d, 0.01)), d);
  ASSERT_TRUE(std::isfinite(r.logQsur));
  EXPECT_NEAR(r.logQsur, logBallToCubeRatio(d), 1e-9 * std::fabs(r.logQsur));
  EXPECT_NEAR(r.halfLogDet, 0.5 * d * std::log(0.01), 1e-9 * d);
  EXPECT_DOUBLE_EQ(r.maxDiagonal, 0.01);
}

TEST(QSUR, MatchesMonteCarloIn2D) {
  // A tilted ellipse: QSUR is its area over that of the bounding square
  // (c cancels, so take the ellipse xᵀΣ⁻¹x <= 1).
  const double s00 = 4.0, s01 = 1.5, s11 = 1.0;
  Matrix cov = {s00, s01, s01, s11};
  double det = s00 * s11 - s01 * s01;
  double half = std::sqrt(std::max(s00, s11));
  RandomStream stream(2024);
  const int samples = 400000;
  int inside = 0;
  for (int i = 0; i < samples; ++i) {
    double x = (2 * stream.uniform() - 1) * half;
    double y = (2 * stream.uniform() - 1) * half;
    // xᵀΣ⁻¹x with Σ⁻¹ = [[s11, −s01], [−s01, s00]]/det.
    double q = (s11 * x * x - 2 * s01 * x * y + s00 * y * y) / det;
    inside += q <= 1.0;
  }
  double monteCarlo = double(inside) / samples;
  QSURResult r = qsur({}, cov, 2);
  EXPECT_NEAR(std::exp(r.logQsur), monteCarlo, 0.02 * monteCarlo);
  // And the closed form: π·sqrt(det)/(2·sqrt(max Σ_jj))².
  EXPECT_NEAR(std::exp(r.logQsur), kPi * std::sqrt(det) / (4 * s00), 1e-12);
  EXPECT_NEAR(r.maxEigenvalue * r.minEigenvalue, det, 1e-12);
}

TEST(QSUR, HalfLogDetIsRotationInvariant) {
  const int64_t d = 32;
  std::vector<double> lambda(d);
  for (int64_t i = 0; i < d; ++i)
    lambda[i] = 0.1 + i * i;
  Matrix cov = diagonal(lambda);
  Matrix rotated = conjugate(randomOrthogonal(d, 3), cov, d);
  QSURResult a = qsur({}, cov, d), b = qsur({}, rotated, d);
  EXPECT_NEAR(a.halfLogDet, b.halfLogDet, 1e-10 * std::fabs(a.halfLogDet));
  double expected = 0.0;
  for (double l : lambda)
    expected += 0.5 * std::log(l);
  EXPECT_NEAR(a.halfLogDet, expected, 1e-12 * std::fabs(expected));
  EXPECT_NEAR(b.minEigenvalue, 0.1, 1e-10);
  EXPECT_NEAR(b.maxEigenvalue, 0.1 + 31 * 31, 1e-9);
}

TEST(QSUR, HadamardRotationRaisesAnisotropicQSUR) {
  const int64_t d = 64;
  std::vector<double> lambda(d);
  for (int64_t i = 0; i < d; ++i)
    lambda[i] = std::exp(0.1 * i);
  Matrix cov = diagonal(lambda);
  Matrix rotated = conjugate(getNormalizedHadamard(d), cov, d);
  QSURResult plain = qsur({}, cov, d), spread = qsur({}, rotated, d);
  EXPECT_GT(spread.logQsur, plain.logQsur + 1.0);
  // The Hadamard makes the diagonal uniform, which is the rotation optimum
  // C_d·(GM(λ)/AM(λ))^(d/2) (METHOD.md §1.3).
  double logGM = 0.0, am = 0.0;
  for (double l : lambda) {
    logGM += std::log(l) / d;
    am += l / d;
  }
  EXPECT_NEAR(spread.logQsur,
              logBallToCubeRatio(d) + 0.5 * d * (logGM - std::log(am)), 1e-9);
  EXPECT_NEAR(plain.logQsur,
              logBallToCubeRatio(d) +
                  0.5 * d * (logGM - std::log(lambda.back())),
              1e-9);
}

TEST(QSUR, ChiSquaredQuantile) {
  EXPECT_NEAR(chiSquaredQuantile(10, 0.99), 23.209, 0.01 * 23.209);
  EXPECT_NEAR(chiSquaredQuantile(100, 0.95), 124.342, 0.001 * 124.342);
  // Large d: d + z·sqrt(2d) + 2(z² − 1)/3 (Cornish–Fisher to that order).
  double z99 = 2.326347874040841;
  EXPECT_NEAR(chiSquaredQuantile(4096, 0.99),
              4096 + z99 * std::sqrt(8192.0) + 2 * (z99 * z99 - 1) / 3, 0.05);
  // Wilson–Hilferty with the exact normal quantiles (checks the inverse
  // normal to high precision, both tails and the centre).
  auto wilsonHilferty = [](int64_t d, double z) {
    double v = 2.0 / (9.0 * d);
    double base = 1 - v + z * std::sqrt(v);
    return d * base * base * base;
  };
  struct Case {
    double alpha, z;
  } cases[] = {{0.99, 2.326347874040841},
               {0.975, 1.959963984540054},
               {0.5, 0.0},
               {0.8, 0.8416212335729143},
               {0.01, -2.326347874040841},
               {0.999999, 4.753424308822899}};
  for (const Case &c : cases)
    EXPECT_NEAR(chiSquaredQuantile(50, c.alpha), wilsonHilferty(50, c.z), 1e-8)
        << c.alpha;
  EXPECT_TRUE(std::isnan(chiSquaredQuantile(10, 1.0)));
  EXPECT_TRUE(std::isnan(chiSquaredQuantile(0, 0.5)));
}

TEST(QSUR, ZeroMeanGeneralFormEqualsClosedForm) {
  Matrix cov = {3.0, 0.4, 0.1, 0.4, 2.0, -0.3, 0.1, -0.3, 0.5};
  QSURResult closed = qsur({}, cov, 3);
  for (bool symmetric : {true, false})
    for (double alpha : {0.9, 0.99}) {
      QSUROptions options;
      options.useMean = true;
      options.symmetric = symmetric;
      options.alpha = alpha;
      QSURResult general = qsur({0.0, 0.0, 0.0}, cov, 3, options);
      EXPECT_NEAR(general.logQsur, closed.logQsur, 1e-12);
    }
}

TEST(QSUR, MeanShrinksQSUR) {
  Matrix cov = diagonal({1.0, 1.0});
  QSUROptions options;
  options.useMean = true;
  options.alpha = 0.99;
  double c = chiSquaredQuantile(2, 0.99);
  // μ = (1, −1): the symmetric grid needs 2·(1 + sqrt(c)), the asymmetric
  // one 2·(1 + sqrt(c)) as well (from −1 − r to 1 + r).
  QSURResult sym = qsur({1.0, -1.0}, cov, 2, options);
  double expected = std::log(kPi * c) - 2 * std::log(2 * (1 + std::sqrt(c)));
  EXPECT_NEAR(sym.logQsur, expected, 1e-12);
  // μ = (1, 1): the asymmetric grid only needs 2·sqrt(c).
  options.symmetric = false;
  QSURResult asym = qsur({1.0, 1.0}, cov, 2, options);
  EXPECT_NEAR(asym.logQsur, std::log(kPi / 4), 1e-12);
  options.symmetric = true;
  EXPECT_NEAR(qsur({1.0, 1.0}, cov, 2, options).logQsur, expected, 1e-12);
}

TEST(QSUR, ClampsSingularCovariance) {
  // Rank one: λ = {0, 2}.
  Matrix cov = {1.0, 1.0, 1.0, 1.0};
  QSURResult r = qsur({}, cov, 2);
  EXPECT_EQ(r.clampedEigenvalues, 1);
  EXPECT_TRUE(std::isfinite(r.logQsur));
  EXPECT_NEAR(r.halfLogDet, 0.5 * (std::log(2.0) + std::log(2e-12)), 1e-6);
  EXPECT_NEAR(r.maxEigenvalue, 2.0, 1e-15);
}

TEST(QSUR, ReportsErrors) {
  Matrix cov = diagonal({1.0, 1.0});
  Matrix nanCov = cov;
  nanCov[1] = nanCov[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(errorOf({}, nanCov, 2).find("not finite"), std::string::npos);

  QSUROptions withMean;
  withMean.useMean = true;
  std::string text = errorOf({std::numeric_limits<double>::quiet_NaN(), 0.0},
                             cov, 2, withMean);
  EXPECT_NE(text.find("mean entry 0"), std::string::npos) << text;
  text = errorOf({0.0}, cov, 2, withMean);
  EXPECT_NE(text.find("got 1"), std::string::npos) << text;
  text = errorOf({}, cov, 3);
  EXPECT_NE(text.find("got 4"), std::string::npos) << text;
  text = errorOf({}, Matrix(4, 0.0), 2);
  EXPECT_NE(text.find("zero"), std::string::npos) << text;
  text = errorOf({}, {}, 0);
  EXPECT_NE(text.find("positive"), std::string::npos) << text;
  withMean.alpha = 1.0;
  text = errorOf({0.0, 0.0}, cov, 2, withMean);
  EXPECT_NE(text.find("alpha"), std::string::npos) << text;
}

} // namespace
