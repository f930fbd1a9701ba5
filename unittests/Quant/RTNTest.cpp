//===- RTNTest.cpp - round-to-nearest weight quantization -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "QuantTestUtils.h"

#include "gtest/gtest.h"

using namespace ost::quant;
using namespace ost::quant::test;

namespace {

/// The executor's fakeQuant of `w` with the options' QuantParams.
std::vector<float> executorFakeQuant(const std::vector<float> &w, int64_t rows,
                                     int64_t cols,
                                     const WeightQuantOptions &options) {
  mlir::ost::Tensor tensor = mlir::ost::Tensor::fromFloats({rows, cols}, w);
  llvm::Expected<mlir::ost::Tensor> out = mlir::ost::fakeQuant(
      tensor, toQuantParams(options), mlir::ost::KernelContext());
  EXPECT_TRUE(static_cast<bool>(out));
  if (!out) {
    llvm::consumeError(out.takeError());
    return {};
  }
  return std::vector<float>(out->getFloats().begin(), out->getFloats().end());
}

TEST(RTNTest, EqualsTheExecutorFakeQuantBitForBit) {
  const int64_t rows = 24, cols = 128;
  std::vector<float> w = randomWeight(rows, cols, 1);
  struct Case {
    unsigned bits;
    bool symmetric;
    int64_t groupSize;
    double clipSearchNorm;
  };
  for (Case c :
       {Case{4, true, 0, 2.4}, Case{4, true, 0, 0.0}, Case{4, false, 32, 2.4},
        Case{4, false, 32, 0.0}, Case{3, true, 64, 2.0}, Case{8, false, 0, 2.4},
        Case{2, true, 16, 2.4}}) {
    WeightQuantOptions options;
    options.bits = c.bits;
    options.symmetric = c.symmetric;
    options.groupSize = c.groupSize;
    options.clipSearchNorm = c.clipSearchNorm;
    llvm::Expected<QuantizedWeight> q =
        quantizeRTN(w.data(), rows, cols, options);
    ASSERT_TRUE(static_cast<bool>(q)) << llvm::toString(q.takeError());
    EXPECT_TRUE(
        bitwiseEqual(q->dequantized, executorFakeQuant(w, rows, cols, options)))
        << c.bits << " bits, sym " << c.symmetric << ", group " << c.groupSize
        << ", norm " << c.clipSearchNorm;
    // Levels, scales and zero points reproduce the dequantized values.
    int64_t groupLen = c.groupSize ? c.groupSize : cols;
    EXPECT_EQ(q->groups, cols / groupLen);
    EXPECT_EQ(q->scales.size(), size_t(rows * q->groups));
    EXPECT_EQ(q->zeroPoints.size(), c.symmetric ? 0u : q->scales.size());
    int64_t qmin = c.symmetric ? -(1 << (c.bits - 1)) : 0;
    int64_t qmax = c.symmetric ? (1 << (c.bits - 1)) - 1 : (1 << c.bits) - 1;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j) {
        int64_t g = r * q->groups + j / groupLen;
        int64_t level = c.symmetric ? int64_t(q->levels[r * cols + j])
                                    : int64_t(uint8_t(q->levels[r * cols + j]));
        ASSERT_GE(level, qmin);
        ASSERT_LE(level, qmax);
        float zp = c.symmetric ? 0.0f : float(uint8_t(q->zeroPoints[g]));
        ASSERT_EQ(q->dequantized[r * cols + j],
                  (float(level) - zp) * q->scales[g]);
      }
  }
}

TEST(RTNTest, ClipSearchLowersTheError) {
  const int64_t rows = 32, cols = 256;
  std::vector<float> w = randomWeight(rows, cols, 2);
  WeightQuantOptions search, plain;
  plain.clipSearchNorm = 0.0;
  auto error = [&](const WeightQuantOptions &options) {
    QuantizedWeight q = cantFail(quantizeRTN(w.data(), rows, cols, options));
    double sum = 0.0;
    for (size_t i = 0; i < w.size(); ++i)
      sum += std::pow(std::fabs(q.dequantized[i] - w[i]), 2.4);
    return sum;
  };
  EXPECT_LT(error(search), error(plain));
}

TEST(RTNTest, ThreadCountDoesNotChangeTheResult) {
  const int64_t rows = 100, cols = 96;
  std::vector<float> w = randomWeight(rows, cols, 3);
  WeightQuantOptions options;
  options.groupSize = 32;
  QuantizedWeight one = cantFail(quantizeRTN(w.data(), rows, cols, options));
  options.numThreads = 3;
  QuantizedWeight three = cantFail(quantizeRTN(w.data(), rows, cols, options));
  EXPECT_TRUE(bitwiseEqual(one.levels, three.levels));
  EXPECT_TRUE(bitwiseEqual(one.scales, three.scales));
  EXPECT_TRUE(bitwiseEqual(one.dequantized, three.dequantized));
}

TEST(RTNTest, InvalidOptionsAreReported) {
  std::vector<float> w(12, 1.0f);
  WeightQuantOptions options;
  options.groupSize = 5;
  auto message = [&](const WeightQuantOptions &o, const float *data) {
    llvm::Expected<QuantizedWeight> q = quantizeRTN(data, 2, 6, o);
    return q ? std::string() : llvm::toString(q.takeError());
  };
  EXPECT_EQ(message(options, w.data()),
            "group size 5 does not divide the 6 input columns");
  options.groupSize = 0;
  options.bits = 9;
  EXPECT_EQ(message(options, w.data()), "weight bits must be in [2, 8], got 9");
  options.bits = 4;
  options.clipSearchNorm = -1.0;
  EXPECT_EQ(message(options, w.data()),
            "the clip-search norm must be >= 0 (0: no search)");
  options.clipSearchNorm = 2.4;
  EXPECT_EQ(message(options, nullptr), "missing weight data");
  EXPECT_EQ(message(options, w.data()), "");
}

} // namespace
