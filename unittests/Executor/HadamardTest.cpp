//===- HadamardTest.cpp - online Hadamard and Hadamard transform pairs ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Kept apart from the other executor tests: these depend on the Hadamard
// library of lib/Support.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

#include "ost/Support/Hadamard.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

using HadamardTest = ExecutorTest;

/// 𝓗·x (or 𝓗ᵀ·x) per row with the dense normalized matrix.
Tensor denseHadamardRows(const Tensor &x, bool transpose) {
  int64_t n = x.getDimSize(-1);
  std::vector<double> h = getNormalizedHadamard(n);
  EXPECT_EQ(static_cast<int64_t>(h.size()), n * n);
  Tensor y(x.getShape());
  for (int64_t r = 0; r < x.getNumRows(); ++r)
    for (int64_t i = 0; i < n; ++i) {
      double acc = 0;
      for (int64_t c = 0; c < n; ++c)
        acc += (transpose ? h[c * n + i] : h[i * n + c]) *
               x.getFloats()[r * n + c];
      y.getFloatData()[r * n + i] = float(acc);
    }
  return y;
}

TEST_F(HadamardTest, OnlineHadamardMatchesDenseMatrix) {
  for (int64_t n : {64, 40, 112, 172}) {
    std::string ir = llvm::formatv(R"mlir(
      func.func @f(%x: tensor<2x3x{0}xf32>) -> (tensor<2x3x{0}xf32>, tensor<2x3x{0}xf32>,
          tensor<2x3x{0}xf32>, tensor<2x3x{0}xf32>) {
        %a = ost.online_hadamard %x : tensor<2x3x{0}xf32>
        %b = ost.online_hadamard %x transpose : tensor<2x3x{0}xf32>
        %h = ost.hadamard : !ost.hadamard<{0}>
        %c = ost.apply %h to %x : !ost.hadamard<{0}>, tensor<2x3x{0}xf32>
        %d = ost.apply %h to %x inverse : !ost.hadamard<{0}>, tensor<2x3x{0}xf32>
        return %a, %b, %c, %d : tensor<2x3x{0}xf32>, tensor<2x3x{0}xf32>, tensor<2x3x{0}xf32>, tensor<2x3x{0}xf32>
      })mlir",
                                   n)
                         .str();
    OwningOpRef<ModuleOp> m = parse(ir);
    ASSERT_TRUE(m);
    Tensor x = randomTensor({2, 3, n}, 70 + n);
    SmallVector<Tensor> r = run(*m, "f", {x});
    ASSERT_EQ(r.size(), 4u);
    expectClose(r[0], denseHadamardRows(x, false), 1e-5);
    expectClose(r[1], denseHadamardRows(x, true), 1e-5);
    EXPECT_TRUE(r[2].bitwiseEquals(r[0])) << "n = " << n;
    EXPECT_TRUE(r[3].bitwiseEquals(r[1])) << "n = " << n;
  }
}

TEST_F(HadamardTest, HadamardPairsOnBothSides) {
  // Input side: (𝓗x)·(W·𝓗ᵀ)ᵀ = x·Wᵀ; output side: x·(𝓗·W)ᵀ = 𝓗(x·Wᵀ).
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<4x40xf32>, %w: tensor<6x40xf32>, %wo: tensor<40x6xf32>, %xo: tensor<4x6xf32>)
        -> (tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x40xf32>, tensor<4x40xf32>, tensor<4x40xf32>, tensor<4x40xf32>) {
      %h = ost.hadamard : !ost.hadamard<40>
      %xh = ost.online_hadamard %x : tensor<4x40xf32>
      %wh = ost.transform_weight %w by %h side input : tensor<6x40xf32>, !ost.hadamard<40>
      %y = ost.linear %xh, %wh : tensor<4x40xf32>, tensor<6x40xf32> -> tensor<4x6xf32>
      %xi = ost.apply %h to %x inverse : !ost.hadamard<40>, tensor<4x40xf32>
      %wi = ost.transform_weight %w by %h side input inverse : tensor<6x40xf32>, !ost.hadamard<40>
      %yi = ost.linear %xi, %wi : tensor<4x40xf32>, tensor<6x40xf32> -> tensor<4x6xf32>
      %wo1 = ost.transform_weight %wo by %h side output : tensor<40x6xf32>, !ost.hadamard<40>
      %z = ost.linear %xo, %wo1 : tensor<4x6xf32>, tensor<40x6xf32> -> tensor<4x40xf32>
      %p = ost.linear %xo, %wo : tensor<4x6xf32>, tensor<40x6xf32> -> tensor<4x40xf32>
      %ph = ost.online_hadamard %p : tensor<4x40xf32>
      %wo2 = ost.transform_weight %wo by %h side output inverse : tensor<40x6xf32>, !ost.hadamard<40>
      %zi = ost.linear %xo, %wo2 : tensor<4x6xf32>, tensor<40x6xf32> -> tensor<4x40xf32>
      %pi = ost.online_hadamard %p transpose : tensor<4x40xf32>
      return %y, %yi, %z, %ph, %zi, %pi : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x40xf32>, tensor<4x40xf32>, tensor<4x40xf32>, tensor<4x40xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({4, 40}, 80), w = randomTensor({6, 40}, 81),
         wo = randomTensor({40, 6}, 82), xo = randomTensor({4, 6}, 83);
  SmallVector<Tensor> r = run(*m, "f", {x, w, wo, xo});
  ASSERT_EQ(r.size(), 6u);
  Tensor expected = naiveLinear(x, w, nullptr);
  expectClose(r[0], expected, 1e-4);
  expectClose(r[1], expected, 1e-4);
  expectClose(r[2], r[3], 1e-4);
  expectClose(r[4], r[5], 1e-4);
}

} // namespace
