//===- HessianTest.cpp - GPTQ Hessian accumulation ------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "QuantTestUtils.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace ost::quant;
using namespace ost::quant::test;

namespace {

TEST(HessianTest, IsTwiceTheMeanOuterProduct) {
  const int64_t n = 700, cols = 37;
  std::vector<float> x = correlatedInputs(n, cols, 1);
  HessianAccumulator acc(cols);
  // Uneven batches, one larger than an internal block.
  acc.add(x.data(), 10);
  acc.add(x.data() + 10 * cols, 600);
  acc.add(x.data() + 610 * cols, 90);
  acc.add(x.data(), 0);
  EXPECT_EQ(acc.getCount(), n);
  const std::vector<double> &h = acc.getHessian();
  ASSERT_EQ(h.size(), size_t(cols * cols));
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double sum = 0.0;
      for (int64_t t = 0; t < n; ++t)
        sum += double(x[t * cols + i]) * x[t * cols + j];
      double expected = 2.0 * sum / n;
      ASSERT_NEAR(h[i * cols + j], expected,
                  1e-12 * (1.0 + std::fabs(expected)));
      ASSERT_EQ(h[i * cols + j], h[j * cols + i]);
    }
}

TEST(HessianTest, ThreadCountDoesNotChangeTheResult) {
  const int64_t n = 600, cols = 300;
  std::vector<float> x = correlatedInputs(n, cols, 2);
  HessianAccumulator one(cols, 1), three(cols, 3);
  for (HessianAccumulator *acc : {&one, &three}) {
    acc->add(x.data(), 200);
    acc->add(x.data() + 200 * cols, 400);
  }
  EXPECT_TRUE(bitwiseEqual(one.getHessian(), three.getHessian()));
}

} // namespace
