//===- GPTQTest.cpp - GPTQ weight quantization ----------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "QuantTestUtils.h"

#include "gtest/gtest.h"

#include <cmath>
#include <iostream>

using namespace ost::quant;
using namespace ost::quant::test;

namespace {

using Matrix = std::vector<double>;

std::vector<double> hessianOf(const std::vector<float> &x, int64_t cols) {
  HessianAccumulator acc(cols);
  acc.add(x.data(), static_cast<int64_t>(x.size()) / cols);
  return acc.getHessian();
}

/// The unblocked GPTQ of the paper, with naive linear algebra: quantize
/// column c, then W[:, j] −= (w_c − q_c)/U_cc · U_cj for every j > c, with
/// U = cholesky(H⁻¹, upper) of the damped H.
std::vector<float> referenceGPTQ(const std::vector<float> &weight, int64_t rows,
                                 int64_t cols, Matrix h,
                                 const WeightQuantOptions &options,
                                 double percDamp) {
  mlir::ost::QuantParams params = toQuantParams(options);
  std::vector<mlir::ost::QuantGrid> rowGrids(rows);
  for (int64_t r = 0; r < rows; ++r)
    rowGrids[r] = mlir::ost::searchClipGrid(&weight[r * cols], cols, params);
  Matrix w(weight.begin(), weight.end());
  double mean = 0.0;
  for (int64_t i = 0; i < cols; ++i) {
    if (h[i * cols + i] == 0.0) {
      h[i * cols + i] = 1.0;
      for (int64_t r = 0; r < rows; ++r)
        w[r * cols + i] = 0.0;
    }
    mean += h[i * cols + i] / cols;
  }
  for (int64_t i = 0; i < cols; ++i)
    h[i * cols + i] += percDamp * mean;
  // H⁻¹ by Gauss–Jordan (H is SPD: no pivoting needed).
  Matrix inv(cols * cols, 0.0);
  for (int64_t i = 0; i < cols; ++i)
    inv[i * cols + i] = 1.0;
  for (int64_t c = 0; c < cols; ++c) {
    double d = h[c * cols + c];
    for (int64_t j = 0; j < cols; ++j) {
      h[c * cols + j] /= d;
      inv[c * cols + j] /= d;
    }
    for (int64_t r = 0; r < cols; ++r) {
      if (r == c)
        continue;
      double f = h[r * cols + c];
      for (int64_t j = 0; j < cols; ++j) {
        h[r * cols + j] -= f * h[c * cols + j];
        inv[r * cols + j] -= f * inv[c * cols + j];
      }
    }
  }
  // Upper Cholesky factor: H⁻¹ = UᵀU.
  Matrix u(cols * cols, 0.0);
  for (int64_t i = 0; i < cols; ++i) {
    double diag = inv[i * cols + i];
    for (int64_t k = 0; k < i; ++k)
      diag -= u[k * cols + i] * u[k * cols + i];
    u[i * cols + i] = std::sqrt(diag);
    for (int64_t j = i + 1; j < cols; ++j) {
      double value = inv[i * cols + j];
      for (int64_t k = 0; k < i; ++k)
        value -= u[k * cols + i] * u[k * cols + j];
      u[i * cols + j] = value / u[i * cols + i];
    }
  }
  std::vector<float> out(rows * cols);
  int64_t groupSize = options.groupSize;
  for (int64_t r = 0; r < rows; ++r) {
    mlir::ost::QuantGrid grid = rowGrids[r];
    for (int64_t c = 0; c < cols; ++c) {
      if (groupSize > 0 && c % groupSize == 0) {
        std::vector<float> group(groupSize);
        for (int64_t j = 0; j < groupSize; ++j)
          group[j] = static_cast<float>(w[r * cols + c + j]);
        grid = mlir::ost::searchClipGrid(group.data(), groupSize, params);
      }
      double value = w[r * cols + c];
      float q = grid.dequantize(grid.quantize(static_cast<float>(value)));
      out[r * cols + c] = q;
      double err = (value - q) / u[c * cols + c];
      for (int64_t j = c + 1; j < cols; ++j)
        w[r * cols + j] -= err * u[c * cols + j];
    }
  }
  return out;
}

TEST(GPTQTest, MatchesTheUnblockedAlgorithm) {
  const int64_t rows = 20, cols = 96, n = 400;
  std::vector<float> w = randomWeight(rows, cols, 1);
  std::vector<float> x = correlatedInputs(n, cols, 2);
  // Two dead inputs.
  for (int64_t t = 0; t < n; ++t)
    x[t * cols + 5] = x[t * cols + 60] = 0.0f;
  Matrix h = hessianOf(x, cols);
  for (int64_t groupSize : {int64_t(0), int64_t(32)})
    for (bool symmetric : {true, false}) {
      WeightQuantOptions options;
      options.groupSize = groupSize;
      options.symmetric = symmetric;
      GPTQOptions gptq;
      gptq.blockSize = 40; // not a multiple of the group: rounded to 32
      QuantizedWeight q =
          cantFail(quantizeGPTQ(w.data(), rows, cols, h, options, gptq));
      std::vector<float> expected =
          referenceGPTQ(w, rows, cols, h, options, gptq.percDamp);
      int64_t mismatches = 0;
      double worst = 0.0;
      for (size_t i = 0; i < expected.size(); ++i) {
        mismatches += q.dequantized[i] != expected[i];
        worst =
            std::max(worst, double(std::fabs(q.dequantized[i] - expected[i])));
      }
      EXPECT_EQ(mismatches, 0) << "group " << groupSize << " sym " << symmetric
                               << ", worst " << worst;
    }
}

TEST(GPTQTest, IdentityHessianEqualsRTN) {
  // With a diagonal H the Cholesky factor of H⁻¹ is diagonal: no error is
  // propagated and GPTQ is RTN (the same grids, the same roundings).
  const int64_t rows = 16, cols = 64;
  std::vector<float> w = randomWeight(rows, cols, 3);
  Matrix identity(cols * cols, 0.0), diagonal(cols * cols, 0.0);
  for (int64_t i = 0; i < cols; ++i) {
    identity[i * cols + i] = 1.0;
    diagonal[i * cols + i] = 0.5 + i;
  }
  for (int64_t groupSize : {int64_t(0), int64_t(16)})
    for (bool symmetric : {true, false}) {
      WeightQuantOptions options;
      options.groupSize = groupSize;
      options.symmetric = symmetric;
      QuantizedWeight rtn =
          cantFail(quantizeRTN(w.data(), rows, cols, options));
      GPTQOptions single;
      single.blockSize = cols;
      GPTQOptions blocked;
      blocked.blockSize = 16;
      for (auto [h, gptq] :
           {std::pair{identity, single}, std::pair{diagonal, blocked}}) {
        QuantizedWeight q =
            cantFail(quantizeGPTQ(w.data(), rows, cols, h, options, gptq));
        EXPECT_TRUE(bitwiseEqual(q.levels, rtn.levels));
        EXPECT_TRUE(bitwiseEqual(q.scales, rtn.scales));
        EXPECT_TRUE(bitwiseEqual(q.zeroPoints, rtn.zeroPoints));
        EXPECT_TRUE(bitwiseEqual(q.dequantized, rtn.dequantized));
      }
    }
}

TEST(GPTQTest, LowersTheOutputErrorOnCorrelatedInputs) {
  const int64_t rows = 64, cols = 128, n = 1024;
  std::vector<float> w = randomWeight(rows, cols, 4);
  std::vector<float> x = correlatedInputs(n, cols, 5);
  Matrix h = hessianOf(x, cols);
  struct Case {
    const char *name;
    bool symmetric;
    int64_t groupSize;
    bool actOrder;
  };
  for (Case c : {Case{"sym-per-channel", true, 0, false},
                 Case{"sym-per-channel-act-order", true, 0, true},
                 Case{"sym-group-32", true, 32, false},
                 Case{"asym-per-channel", false, 0, false},
                 Case{"asym-group-32", false, 32, false}}) {
    WeightQuantOptions options;
    options.symmetric = c.symmetric;
    options.groupSize = c.groupSize;
    GPTQOptions gptq;
    gptq.actOrder = c.actOrder;
    QuantizedWeight rtn = cantFail(quantizeRTN(w.data(), rows, cols, options));
    QuantizedWeight q =
        cantFail(quantizeGPTQ(w.data(), rows, cols, h, options, gptq));
    double ratio = outputError(w, q.dequantized, rows, cols, x) /
                   outputError(w, rtn.dequantized, rows, cols, x);
    RecordProperty(c.name, std::to_string(ratio));
    std::cout << "[ ratio    ] ||(W-Q)X|| GPTQ/RTN " << c.name << ": " << ratio
              << "\n";
    EXPECT_LT(ratio, 0.8) << c.name;
  }
}

TEST(GPTQTest, BlockSizeDoesNotChangeTheAlgorithm) {
  // Lazy batch updates reorder the same arithmetic: block sizes 1, 7 and
  // 128 give the same quantized weight (up to roundings on exact ties).
  const int64_t rows = 32, cols = 128, n = 512;
  std::vector<float> w = randomWeight(rows, cols, 6);
  Matrix h = hessianOf(correlatedInputs(n, cols, 7), cols);
  WeightQuantOptions options;
  GPTQOptions gptq;
  QuantizedWeight reference =
      cantFail(quantizeGPTQ(w.data(), rows, cols, h, options, gptq));
  for (int64_t blockSize : {1, 7}) {
    gptq.blockSize = blockSize;
    QuantizedWeight q =
        cantFail(quantizeGPTQ(w.data(), rows, cols, h, options, gptq));
    int64_t mismatches = 0;
    for (size_t i = 0; i < q.levels.size(); ++i)
      mismatches += q.levels[i] != reference.levels[i];
    EXPECT_EQ(mismatches, 0) << "block size " << blockSize;
  }
}

TEST(GPTQTest, DeadInputsGetZeroColumns) {
  const int64_t rows = 8, cols = 32, n = 200;
  std::vector<float> w = randomWeight(rows, cols, 8);
  std::vector<float> x = correlatedInputs(n, cols, 9);
  for (int64_t t = 0; t < n; ++t)
    x[t * cols + 3] = 0.0f;
  Matrix h = hessianOf(x, cols);
  ASSERT_EQ(h[3 * cols + 3], 0.0);
  QuantizedWeight q = cantFail(quantizeGPTQ(
      w.data(), rows, cols, h, WeightQuantOptions(), GPTQOptions()));
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_EQ(q.dequantized[r * cols + 3], 0.0f);
    EXPECT_EQ(q.levels[r * cols + 3], 0);
  }
  // A Hessian that is zero everywhere: every input is dead.
  Matrix zero(cols * cols, 0.0);
  QuantizedWeight allDead = cantFail(quantizeGPTQ(
      w.data(), rows, cols, zero, WeightQuantOptions(), GPTQOptions()));
  for (float v : allDead.dequantized)
    EXPECT_EQ(v, 0.0f);
}

TEST(GPTQTest, ThreadCountDoesNotChangeTheResult) {
  const int64_t rows = 150, cols = 384, n = 600;
  std::vector<float> w = randomWeight(rows, cols, 10);
  Matrix h = hessianOf(correlatedInputs(n, cols, 11), cols);
  for (int64_t groupSize : {int64_t(0), int64_t(64)}) {
    WeightQuantOptions options;
    options.groupSize = groupSize;
    QuantizedWeight one =
        cantFail(quantizeGPTQ(w.data(), rows, cols, h, options, GPTQOptions()));
    options.numThreads = 3;
    QuantizedWeight three =
        cantFail(quantizeGPTQ(w.data(), rows, cols, h, options, GPTQOptions()));
    EXPECT_TRUE(bitwiseEqual(one.levels, three.levels));
    EXPECT_TRUE(bitwiseEqual(one.scales, three.scales));
    EXPECT_TRUE(bitwiseEqual(one.dequantized, three.dequantized));
  }
}

TEST(GPTQTest, ErrorsAreReported) {
  const int64_t rows = 2, cols = 2;
  std::vector<float> w = {0.5f, -1.0f, 0.25f, 2.0f};
  auto message = [&](const Matrix &h, const WeightQuantOptions &options,
                     const GPTQOptions &gptq) {
    llvm::Expected<QuantizedWeight> q =
        quantizeGPTQ(w.data(), rows, cols, h, options, gptq);
    return q ? std::string() : llvm::toString(q.takeError());
  };
  WeightQuantOptions options;
  GPTQOptions gptq;
  EXPECT_EQ(message({1.0, 2.0, 2.0, 1.0}, options, gptq),
            "gptq: the hessian is not positive definite after damping "
            "(percdamp 0.01): the matrix is not positive definite (its "
            "trailing principal minor of order 2 is not positive)");
  EXPECT_EQ(message({-1.0, 0.0, 0.0, -1.0}, options, gptq),
            "gptq: the hessian is not positive definite after damping "
            "(percdamp 0.01): the matrix is not positive definite (its "
            "trailing principal minor of order 1 is not positive)");
  EXPECT_EQ(message({1.0, 0.0, 0.0}, options, gptq),
            "gptq: the hessian holds 3 values, expected 2x2 for a weight of 2 "
            "input columns");
  EXPECT_EQ(message({1.0, 0.0, 0.0, NAN}, options, gptq),
            "gptq: the hessian entry (1, 1) is not finite");
  options.groupSize = 1;
  gptq.actOrder = true;
  EXPECT_EQ(message({1.0, 0.0, 0.0, 1.0}, options, gptq),
            "gptq: act-order with groups is not supported: the groups of the "
            "packed layout follow the original column order");
  gptq.actOrder = false;
  gptq.blockSize = 0;
  EXPECT_EQ(message({1.0, 0.0, 0.0, 1.0}, options, gptq),
            "gptq: the block size must be at least 1, got 0");
  options.groupSize = 3;
  gptq.blockSize = 128;
  EXPECT_EQ(message({1.0, 0.0, 0.0, 1.0}, options, gptq),
            "gptq: group size 3 does not divide the 2 input columns");
}

} // namespace
