//===- HadamardSizesTest.cpp - which sizes have a known Hadamard ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/HadamardSizes.h"

#include "gtest/gtest.h"

using mlir::ost::getHadamardFactor;

TEST(HadamardSizes, PowersOfTwoUseSylvester) {
  for (int64_t n : {1, 2, 4, 64, 128, 4096, 8192})
    EXPECT_EQ(getHadamardFactor(n), 1) << n;
}

TEST(HadamardSizes, RealModelMlpSizes) {
  // METHOD.md's table: LLaMA-2-7B, 13B, 30B, LLaMA-3-8B, 70B.
  EXPECT_EQ(getHadamardFactor(11008), 172);
  EXPECT_EQ(getHadamardFactor(13824), 108);
  EXPECT_EQ(getHadamardFactor(17920), 140);
  EXPECT_EQ(getHadamardFactor(14336), 28);
  EXPECT_EQ(getHadamardFactor(28672), 28);
  // stories260K's hidden size is the K factor itself.
  EXPECT_EQ(getHadamardFactor(172), 172);
  // Residual widths that are K*128.
  EXPECT_EQ(getHadamardFactor(5120), 40);
  EXPECT_EQ(getHadamardFactor(6656), 52);
}

TEST(HadamardSizes, UnsupportedSizesAreRejected) {
  // Sizes from QuaRot's issue tracker with no known factorization.
  for (int64_t n : {29568, 13696, 10944, 3, 6 * 7, 172 * 3})
    EXPECT_FALSE(getHadamardFactor(n).has_value()) << n;
  EXPECT_FALSE(getHadamardFactor(0).has_value());
  EXPECT_FALSE(getHadamardFactor(-8).has_value());
}

TEST(HadamardSizes, FactorAlwaysDividesIntoPowerOfTwo) {
  for (int64_t n = 1; n <= 1 << 14; ++n) {
    std::optional<int64_t> k = getHadamardFactor(n);
    if (!k)
      continue;
    ASSERT_EQ(n % *k, 0) << n;
    int64_t rest = n / *k;
    EXPECT_EQ(rest & (rest - 1), 0) << n << " = " << *k << " * " << rest;
  }
}
