//===- HadamardApplyTest.cpp - ost/Numerics/HadamardApply.h ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The FWHT and the factored product against dense Kronecker products, with
// Sylvester matrices standing in for H_K (any ±1 Hadamard matrix works).
//
//===----------------------------------------------------------------------===//

#include "ost/Numerics/HadamardApply.h"

#include "gtest/gtest.h"

#include <bitset>
#include <cmath>
#include <random>
#include <vector>

using namespace ost::numerics;

namespace {

int sylvester(int64_t i, int64_t j) {
  return std::bitset<64>(static_cast<uint64_t>(i & j)).count() % 2 ? -1 : 1;
}

std::vector<int8_t> sylvesterMatrix(int64_t k) {
  std::vector<int8_t> h(k * k);
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < k; ++c)
      h[r * k + c] = static_cast<int8_t>(sylvester(r, c));
  return h;
}

// A non-symmetric ±1 Hadamard matrix of order 4 (rows of Sylvester 4 with
// the second and third columns swapped and row signs flipped), so transpose
// matters.
std::vector<int8_t> skewFactor4() {
  return {1, 1, 1, 1, -1, 1, -1, 1, -1, -1, 1, 1, 1, -1, -1, 1};
}

std::vector<double> randomVector(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<double> x(n);
  for (double &v : x)
    v = dist(gen);
  return x;
}

TEST(HadamardApplyTest, FwhtIsSylvesterProduct) {
  for (int64_t n : {1, 2, 4, 16, 128}) {
    std::vector<double> x = randomVector(n, 1), y = x;
    fwht(y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      double want = 0.0;
      for (int64_t j = 0; j < n; ++j)
        want += sylvester(i, j) * x[j];
      EXPECT_NEAR(y[i], want, 1e-12) << n << " " << i;
    }
  }
}

// 𝓗x = (H_K ⊗ H_m)x/sqrt(n) in both forms of the K×K product (m < 8 takes
// the dot form, m >= 8 the axpy form), with and without transpose.
TEST(HadamardApplyTest, FactoredMatchesDenseKronecker) {
  std::vector<int8_t> hk = skewFactor4();
  const int64_t k = 4;
  for (int64_t m : {1, 2, 4, 8, 32})
    for (bool transpose : {false, true}) {
      int64_t n = k * m;
      std::vector<double> x = randomVector(n, 2), y = x, scratch(n);
      std::vector<double> hf(k * k);
      convertFactor(hk.data(), k, transpose, hf.data());
      HadamardFactor<double> f;
      f.n = n;
      f.k = k;
      f.m = m;
      f.hk = hk.data();
      f.transpose = transpose;
      f.hf = hf.data();
      applyHadamardRow(y.data(), f, scratch.data());
      EXPECT_EQ(usesDotForm(k, m), m < kHadamardDotBlock);
      for (int64_t a = 0; a < k; ++a)
        for (int64_t i = 0; i < m; ++i) {
          double want = 0.0;
          for (int64_t b = 0; b < k; ++b)
            for (int64_t j = 0; j < m; ++j) {
              int s = transpose ? hk[b * k + a] : hk[a * k + b];
              want += s * sylvester(i, j) * x[b * m + j];
            }
          want /= std::sqrt(double(n));
          EXPECT_NEAR(y[a * m + i], want, 1e-12)
              << "m " << m << " transpose " << transpose;
        }
    }
}

// 𝓗ᵀ(𝓗x) = x (float, to rounding), k = 1 and k > 1.
TEST(HadamardApplyTest, TransposeInverts) {
  for (int64_t k : {1, 4})
    for (int64_t m : {4, 64}) {
      std::vector<int8_t> hk =
          k == 1 ? std::vector<int8_t>{1} : sylvesterMatrix(k);
      int64_t n = k * m;
      std::vector<double> xd = randomVector(n, 3);
      std::vector<float> x(xd.begin(), xd.end()), y = x, scratch(n);
      std::vector<float> hf(k * k), hft(k * k);
      convertFactor(hk.data(), k, false, hf.data());
      convertFactor(hk.data(), k, true, hft.data());
      HadamardFactor<float> f;
      f.n = n;
      f.k = k;
      f.m = m;
      f.hk = hk.data();
      f.hf = hf.data();
      applyHadamardRow(y.data(), f, scratch.data());
      f.transpose = true;
      f.hf = hft.data();
      applyHadamardRow(y.data(), f, scratch.data());
      for (int64_t i = 0; i < n; ++i)
        EXPECT_NEAR(y[i], x[i], 1e-5f);
    }
}

TEST(HadamardApplyTest, ScaleIsRoundedOnce) {
  EXPECT_EQ(hadamardScale<float>(172),
            static_cast<float>(1.0 / std::sqrt(172.0)));
  EXPECT_EQ(hadamardScale<double>(64), 0.125);
}

} // namespace
