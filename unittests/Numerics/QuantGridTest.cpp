//===- QuantGridTest.cpp - ost/Numerics/QuantGrid.h -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The grid formula of METHOD §6 on its edge cases: empty-range groups
// (all zero, constant), one-signed groups, clip ratios, NaN, and the level
// ranges of every bit width.
//
//===----------------------------------------------------------------------===//

#include "ost/Numerics/QuantGrid.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace ost::numerics;

namespace {

GridSpec spec(unsigned bits, bool symmetric, float clip = 1.0f) {
  GridSpec s;
  s.bits = bits;
  s.symmetric = symmetric;
  s.clipRatio = clip;
  return s;
}

TEST(QuantGridTest, LevelRanges) {
  for (unsigned b = 2; b <= 8; ++b) {
    EXPECT_EQ(getQMin(b, true), -(int64_t(1) << (b - 1)));
    EXPECT_EQ(getQMax(b, true), (int64_t(1) << (b - 1)) - 1);
    EXPECT_EQ(getQMin(b, false), 0);
    EXPECT_EQ(getQMax(b, false), (int64_t(1) << b) - 1);
    QuantGrid g = QuantGrid::compute(-1.0f, 1.0f, spec(b, false));
    EXPECT_EQ(g.qmin, 0.0f);
    EXPECT_EQ(g.qmax, float((1 << b) - 1));
  }
  static_assert(getQMax(4, false) == 15 && getQMin(4, true) == -8);
}

// The reference formula, written out: scale, zero point and levels.
TEST(QuantGridTest, AsymmetricFormula) {
  QuantGrid g = QuantGrid::compute(-1.0f, 3.0f, spec(4, false));
  EXPECT_EQ(g.scale, 4.0f / 15.0f);
  EXPECT_EQ(g.zeroPoint, std::nearbyint(1.0f / (4.0f / 15.0f)));
  EXPECT_EQ(g.quantize(-1.0f), 0.0f);
  EXPECT_EQ(g.quantize(3.0f), 15.0f);
  EXPECT_EQ(g.quantize(100.0f), 15.0f);
  EXPECT_EQ(g.quantize(-100.0f), 0.0f);
  EXPECT_EQ(g.dequantize(g.zeroPoint), 0.0f);
  EXPECT_EQ(g.fakeQuantize(0.0f), 0.0f);
}

TEST(QuantGridTest, SymmetricFormula) {
  // scale = max(xmin/−8, xmax/7).
  QuantGrid g = QuantGrid::compute(-1.0f, 0.5f, spec(4, true));
  EXPECT_EQ(g.scale, -1.0f / -8.0f);
  EXPECT_EQ(g.zeroPoint, 0.0f);
  EXPECT_EQ(g.quantize(-1.0f), -8.0f);
  EXPECT_EQ(g.quantize(0.5f), 4.0f);
  QuantGrid h = QuantGrid::compute(-0.1f, 7.0f, spec(4, true));
  EXPECT_EQ(h.scale, 7.0f / 7.0f);
  EXPECT_EQ(h.quantize(7.0f), 7.0f);
  EXPECT_EQ(h.quantize(-9.0f), -8.0f);
}

// All zeros: the 1e-6 floor keeps the scale positive and zero exact.
TEST(QuantGridTest, AllZeroGroup) {
  for (bool sym : {false, true}) {
    QuantGrid g = QuantGrid::compute(0.0f, 0.0f, spec(4, sym));
    EXPECT_GT(g.scale, 0.0f);
    EXPECT_EQ(g.scale, sym ? kRangeFloor / 7.0f : kRangeFloor / 15.0f);
    EXPECT_EQ(g.zeroPoint, 0.0f);
    EXPECT_EQ(g.fakeQuantize(0.0f), 0.0f);
  }
}

// A constant positive group: xmin = 0, so the grid spans [0, c].
TEST(QuantGridTest, ConstantPositiveGroup) {
  QuantGrid g = QuantGrid::compute(2.0f, 2.0f, spec(4, false));
  EXPECT_EQ(g.scale, 2.0f / 15.0f);
  EXPECT_EQ(g.zeroPoint, 0.0f);
  EXPECT_EQ(g.quantize(2.0f), 15.0f);
  EXPECT_EQ(g.fakeQuantize(2.0f), 15.0f * (2.0f / 15.0f));
}

// A constant negative group: xmax is the floor, the grid spans [c, 1e-6].
TEST(QuantGridTest, ConstantNegativeGroup) {
  QuantGrid g = QuantGrid::compute(-3.0f, -3.0f, spec(4, false));
  EXPECT_EQ(g.scale, (kRangeFloor - -3.0f) / 15.0f);
  EXPECT_EQ(g.zeroPoint, 15.0f);
  EXPECT_EQ(g.quantize(-3.0f), 0.0f);
  QuantGrid s = QuantGrid::compute(-3.0f, -3.0f, spec(4, true));
  EXPECT_EQ(s.scale, -3.0f / -8.0f);
  EXPECT_EQ(s.quantize(-3.0f), -8.0f);
}

TEST(QuantGridTest, OneSignedGroups) {
  QuantGrid pos = QuantGrid::compute(0.25f, 1.5f, spec(8, false));
  EXPECT_EQ(pos.zeroPoint, 0.0f); // xmin = min(lo, 0) = 0
  EXPECT_EQ(pos.scale, 1.5f / 255.0f);
  QuantGrid neg = QuantGrid::compute(-1.5f, -0.25f, spec(8, false));
  EXPECT_EQ(neg.zeroPoint, 255.0f); // −xmin/scale rounds to the top
  EXPECT_EQ(neg.quantize(-1.5f), 0.0f);
  EXPECT_EQ(neg.quantize(0.0f), 255.0f);
}

// The clip ratio multiplies both ends before the scale; values outside the
// shrunk range clamp.
TEST(QuantGridTest, ClipRatio) {
  QuantGrid full = QuantGrid::compute(-2.0f, 2.0f, spec(4, false));
  QuantGrid clipped = QuantGrid::compute(-2.0f, 2.0f, spec(4, false, 0.5f));
  EXPECT_EQ(clipped.scale, (2.0f * 0.5f - -2.0f * 0.5f) / 15.0f);
  EXPECT_LT(clipped.scale, full.scale);
  EXPECT_EQ(clipped.quantize(2.0f), 15.0f);
  EXPECT_EQ(clipped.fakeQuantize(2.0f), clipped.fakeQuantize(1.5f));
  QuantGrid sym = QuantGrid::compute(-2.0f, 1.0f, spec(4, true, 0.9f));
  EXPECT_EQ(sym.scale, std::max((-2.0f * 0.9f) / -8.0f, (1.0f * 0.9f) / 7.0f));
}

// Division, not a reciprocal multiply: x/scale rounds once.
TEST(QuantGridTest, LevelUsesDivision) {
  QuantGrid g;
  g.scale = 0.3f;
  g.zeroPoint = 3.0f;
  g.qmin = 0.0f;
  g.qmax = 15.0f;
  for (float x : {0.45f, 0.15f, -0.75f, 1.05f, 2.1f})
    EXPECT_EQ(g.unclampedLevel(x), std::nearbyint(x / 0.3f) + 3.0f) << x;
}

// NaN as the code handles it: a NaN value's level stays NaN (std::max and
// std::min return their first operand on unordered compares), and a NaN
// bound passes through std::max/std::min of compute only when it is the
// first operand: max(NaN, 1e-6) is NaN, min(NaN, 0) is NaN.
TEST(QuantGridTest, NaNHandling) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  QuantGrid g = QuantGrid::compute(-1.0f, 1.0f, spec(4, false));
  EXPECT_TRUE(std::isnan(g.quantize(nan)));
  EXPECT_TRUE(std::isnan(g.fakeQuantize(nan)));
  QuantGrid bad = QuantGrid::compute(nan, 1.0f, spec(4, false));
  EXPECT_TRUE(std::isnan(bad.scale));
  QuantGrid badHi = QuantGrid::compute(-1.0f, nan, spec(4, true));
  // max(xmin/−8, NaN/7): std::max(a, b) is a unless a < b → a.
  EXPECT_EQ(badHi.scale, -1.0f / -8.0f);
}

// Infinite values clamp to the range ends.
TEST(QuantGridTest, InfiniteValuesClamp) {
  float inf = std::numeric_limits<float>::infinity();
  QuantGrid g = QuantGrid::compute(-1.0f, 1.0f, spec(4, true));
  EXPECT_EQ(g.quantize(inf), 7.0f);
  EXPECT_EQ(g.quantize(-inf), -8.0f);
}

} // namespace
