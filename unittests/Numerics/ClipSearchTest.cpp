//===- ClipSearchTest.cpp - ost/Numerics/ClipSearch.h ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Numerics/ClipSearch.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace ost::numerics;

namespace {

QuantizerSpec weightSpec(double norm, int64_t steps = 80) {
  QuantizerSpec s;
  s.bits = 4;
  s.symmetric = true;
  s.clipSearchNorm = norm;
  s.clipSearchSteps = steps;
  return s;
}

void expectSameGrid(const QuantGrid &a, const QuantGrid &b) {
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.zeroPoint, b.zeroPoint);
  EXPECT_EQ(a.qmin, b.qmin);
  EXPECT_EQ(a.qmax, b.qmax);
}

TEST(ClipSearchTest, MinMaxSkipsNaNAndHandlesEmpty) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {nan, 2.0f, -1.0f, nan, 0.5f};
  auto [lo, hi] = minMax(x.data(), x.size());
  EXPECT_EQ(lo, -1.0f);
  EXPECT_EQ(hi, 2.0f);
  auto [elo, ehi] = minMax(x.data(), 0);
  EXPECT_EQ(elo, std::numeric_limits<float>::infinity());
  EXPECT_EQ(ehi, -std::numeric_limits<float>::infinity());
}

TEST(ClipSearchTest, ShrinkFactors) {
  EXPECT_EQ(clipShrinkFactor(0), 1.0f);
  EXPECT_EQ(clipShrinkFactor(1), 1.0f - 1.0f / 100.0f);
  EXPECT_EQ(clipShrinkFactor(79), 1.0f - 79.0f / 100.0f);
  EXPECT_FALSE(clipShrinkFactor(100) > 0.0f);
}

// Without a search (norm 0, or no values) the grid is the min/max one.
TEST(ClipSearchTest, NoSearchIsMinMaxGrid) {
  std::vector<float> x = {-0.3f, 1.7f, 0.2f, -2.5f};
  expectSameGrid(searchClipGrid(x.data(), x.size(), weightSpec(0.0)),
                 QuantGrid::compute(-2.5f, 1.7f, weightSpec(0.0)));
  expectSameGrid(searchClipGrid(x.data(), 0, weightSpec(2.4)),
                 QuantGrid::compute(std::numeric_limits<float>::infinity(),
                                    -std::numeric_limits<float>::infinity(),
                                    weightSpec(2.4)));
}

// Zero steps keeps the min/max grid; one step is the unshrunk range.
TEST(ClipSearchTest, StepCounts) {
  std::vector<float> x = {-0.3f, 1.7f, 0.2f, -2.5f};
  QuantGrid plain = QuantGrid::compute(-2.5f, 1.7f, weightSpec(2.4));
  expectSameGrid(searchClipGrid(x.data(), x.size(), weightSpec(2.4, 0)), plain);
  expectSameGrid(searchClipGrid(x.data(), x.size(), weightSpec(2.4, 1)), plain);
}

// The search returns the first grid of minimal error: an outlier makes a
// shrunk range better for the bulk, and the result equals a brute-force
// evaluation of every candidate.
TEST(ClipSearchTest, PicksTheBestShrink) {
  std::mt19937 gen(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(128);
  for (float &v : x)
    v = dist(gen);
  x[5] = 9.0f;
  for (double norm : {2.0, 2.4}) {
    QuantizerSpec spec = weightSpec(norm);
    QuantGrid got = searchClipGrid(x.data(), x.size(), spec);
    auto [lo, hi] = minMax(x.data(), x.size());
    double bestErr = std::numeric_limits<double>::infinity();
    QuantGrid best;
    for (int64_t i = 0; i < 80; ++i) {
      float f = clipShrinkFactor(i);
      QuantGrid g = QuantGrid::compute(f * lo, f * hi, spec);
      double err = 0.0;
      for (float v : x)
        err += std::pow(std::fabs(double(g.fakeQuantize(v) - v)), norm);
      if (err < bestErr) {
        bestErr = err;
        best = g;
      }
    }
    EXPECT_LT(got.scale, QuantGrid::compute(lo, hi, spec).scale);
    // pow(d, 2) and d·d are the same double.
    expectSameGrid(got, best);
  }
}

// An all-zero group: every candidate has zero error, the first (unshrunk)
// one wins.
TEST(ClipSearchTest, AllZeroGroupKeepsFirstGrid) {
  std::vector<float> x(16, 0.0f);
  QuantizerSpec spec = weightSpec(2.4);
  expectSameGrid(searchClipGrid(x.data(), x.size(), spec),
                 QuantGrid::compute(0.0f, 0.0f, spec));
}

// A constant group: the unshrunk grid represents it best or equally.
TEST(ClipSearchTest, ConstantGroup) {
  std::vector<float> x(16, -0.75f);
  QuantizerSpec spec = weightSpec(2.4);
  spec.symmetric = false;
  QuantGrid g = searchClipGrid(x.data(), x.size(), spec);
  EXPECT_EQ(g.fakeQuantize(-0.75f),
            QuantGrid::compute(-0.75f, -0.75f, spec).fakeQuantize(-0.75f));
}

} // namespace
