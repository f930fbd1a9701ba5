//===- RoundingTest.cpp - ost/Numerics/Rounding.h -------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Numerics/Rounding.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using ost::numerics::roundHalfEven;

namespace {

TEST(RoundingTest, TiesGoToEven) {
  EXPECT_EQ(roundHalfEven(0.5f), 0.0f);
  EXPECT_EQ(roundHalfEven(1.5f), 2.0f);
  EXPECT_EQ(roundHalfEven(2.5f), 2.0f);
  EXPECT_EQ(roundHalfEven(-0.5f), -0.0f);
  EXPECT_EQ(roundHalfEven(-1.5f), -2.0f);
  EXPECT_EQ(roundHalfEven(-2.5f), -2.0f);
  EXPECT_EQ(roundHalfEven(7.49f), 7.0f);
  EXPECT_EQ(roundHalfEven(7.51f), 8.0f);
}

// Equals std::nearbyint in the default (to-nearest-even) mode everywhere
// below 2^22, the range the magic constant covers.
TEST(RoundingTest, MatchesNearbyintOnRandomValues) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> dist(-4.0e6f, 4.0e6f);
  for (int i = 0; i < 100000; ++i) {
    float x = i % 2 ? dist(gen) : dist(gen) * 1e-5f;
    ASSERT_EQ(roundHalfEven(x), std::nearbyint(x)) << x;
  }
}

// Magnitudes of 2^22 and more, infinities and NaN come back unchanged.
TEST(RoundingTest, LargeValuesAndNaNPassThrough) {
  EXPECT_EQ(roundHalfEven(4194304.0f), 4194304.0f);
  EXPECT_EQ(roundHalfEven(-8388609.0f), -8388609.0f);
  EXPECT_EQ(roundHalfEven(1e30f), 1e30f);
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(roundHalfEven(inf), inf);
  EXPECT_EQ(roundHalfEven(-inf), -inf);
  EXPECT_TRUE(std::isnan(roundHalfEven(std::nanf(""))));
}

} // namespace
