//===- ModelOpsTest.cpp - executor model ops against naive loops ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

using ModelOpsTest = ExecutorTest;

TEST_F(ModelOpsTest, LinearWithBiasAndLMHead) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x3x8xf32>, %w: tensor<5x8xf32>, %b: tensor<5xf32>)
        -> (tensor<2x3x5xf32>, tensor<2x3x5xf32>) {
      %y = ost.linear %x, %w bias %b : tensor<2x3x8xf32>, tensor<5x8xf32>, tensor<5xf32> -> tensor<2x3x5xf32>
      %l = ost.lm_head %x, %w : tensor<2x3x8xf32>, tensor<5x8xf32> -> tensor<2x3x5xf32>
      return %y, %l : tensor<2x3x5xf32>, tensor<2x3x5xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({2, 3, 8}, 1), w = randomTensor({5, 8}, 2),
         b = randomTensor({5}, 3);
  SmallVector<Tensor> r = run(*m, "f", {x, w, b});
  ASSERT_EQ(r.size(), 2u);
  expectClose(r[0], naiveLinear(x, w, &b), 1e-5);
  expectClose(r[1], naiveLinear(x, w, nullptr), 1e-5);
}

TEST_F(ModelOpsTest, LinearOnManyRowsUsesSeveralTiles) {
  // 300 rows × 1500 outputs crosses the fixed GEMM tiles in both directions.
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<300x16xf32>, %w: tensor<1500x16xf32>) -> tensor<300x1500xf32> {
      %y = ost.linear %x, %w : tensor<300x16xf32>, tensor<1500x16xf32> -> tensor<300x1500xf32>
      return %y : tensor<300x1500xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({300, 16}, 4), w = randomTensor({1500, 16}, 5);
  SmallVector<Tensor> r = run(*m, "f", {x, w});
  ASSERT_EQ(r.size(), 1u);
  expectClose(r[0], naiveLinear(x, w, nullptr), 1e-5);
}

TEST_F(ModelOpsTest, RMSNormWithAndWithoutWeight) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x3x16xf32>, %g: tensor<16xf32>)
        -> (tensor<2x3x16xf32>, tensor<2x3x16xf32>) {
      %a = ost.rms_norm %x weight %g {epsilon = 1.0e-03 : f64} : tensor<2x3x16xf32>, tensor<16xf32>
      %b = ost.rms_norm %x : tensor<2x3x16xf32>
      return %a, %b : tensor<2x3x16xf32>, tensor<2x3x16xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({2, 3, 16}, 6, -3, 3), g = randomTensor({16}, 7);
  SmallVector<Tensor> r = run(*m, "f", {x, g});
  ASSERT_EQ(r.size(), 2u);
  expectClose(r[0], naiveRmsNorm(x, &g, 1e-3), 1e-5, 1e-5);
  expectClose(r[1], naiveRmsNorm(x, nullptr, 1e-5), 1e-5, 1e-5);
}

TEST_F(ModelOpsTest, RopeBothLayoutsMatchComplexRotation) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x5x3x8xf32>, %c: tensor<5x4xf32>, %s: tensor<5x4xf32>,
                 %cb: tensor<2x5x4xf32>, %sb: tensor<2x5x4xf32>)
        -> (tensor<2x5x3x8xf32>, tensor<2x5x3x8xf32>, tensor<2x5x3x8xf32>) {
      %h = ost.rope %x, %c, %s : tensor<2x5x3x8xf32>, tensor<5x4xf32>, tensor<5x4xf32>
      %i = ost.rope %x, %c, %s {layout = #ost.rope_layout<interleaved>} : tensor<2x5x3x8xf32>, tensor<5x4xf32>, tensor<5x4xf32>
      %b = ost.rope %x, %cb, %sb : tensor<2x5x3x8xf32>, tensor<2x5x4xf32>, tensor<2x5x4xf32>
      return %h, %i, %b : tensor<2x5x3x8xf32>, tensor<2x5x3x8xf32>, tensor<2x5x3x8xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({2, 5, 3, 8}, 8);
  auto [c, s] = ropeTables(5, 8);
  // Per-sequence tables: positions offset by 3 in the second sequence.
  Tensor cb({2, 5, 4}), sb({2, 5, 4});
  auto [c8, s8] = ropeTables(8, 8);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 20; ++i) {
      cb.getFloatData()[b * 20 + i] = c8.getFloats()[b * 3 * 4 + i];
      sb.getFloatData()[b * 20 + i] = s8.getFloats()[b * 3 * 4 + i];
    }
  SmallVector<Tensor> r = run(*m, "f", {x, c, s, cb, sb});
  ASSERT_EQ(r.size(), 3u);
  expectClose(r[0], naiveRope(x, c, s, /*interleaved=*/false), 1e-6);
  expectClose(r[1], naiveRope(x, c, s, /*interleaved=*/true), 1e-6);
  expectClose(r[2], naiveRope(x, cb, sb, /*interleaved=*/false), 1e-6);
}

TEST_F(ModelOpsTest, RotateHalfOnPermutedChannelsEqualsInterleaved) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<1x4x2x8xf32>, %xp: tensor<1x4x2x8xf32>,
                 %c: tensor<4x4xf32>, %s: tensor<4x4xf32>)
        -> (tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) {
      %i = ost.rope %x, %c, %s {layout = #ost.rope_layout<interleaved>} : tensor<1x4x2x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>
      %h = ost.rope %xp, %c, %s : tensor<1x4x2x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>
      return %i, %h : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({1, 4, 2, 8}, 9);
  // Channel 2i goes to i and 2i+1 to i+4: interleaved pairs become halves.
  Tensor xp(x.getShape());
  for (int64_t row = 0; row < 8; ++row)
    for (int64_t i = 0; i < 4; ++i) {
      xp.getFloatData()[row * 8 + i] = x.getFloats()[row * 8 + 2 * i];
      xp.getFloatData()[row * 8 + i + 4] = x.getFloats()[row * 8 + 2 * i + 1];
    }
  auto [c, s] = ropeTables(4, 8);
  SmallVector<Tensor> r = run(*m, "f", {x, xp, c, s});
  ASSERT_EQ(r.size(), 2u);
  for (int64_t row = 0; row < 8; ++row)
    for (int64_t i = 0; i < 4; ++i) {
      EXPECT_EQ(r[0].getFloats()[row * 8 + 2 * i],
                r[1].getFloats()[row * 8 + i]);
      EXPECT_EQ(r[0].getFloats()[row * 8 + 2 * i + 1],
                r[1].getFloats()[row * 8 + i + 4]);
    }
}

TEST_F(ModelOpsTest, GroupedQueryCausalAttention) {
  // T = 70 spans two query blocks of the kernel.
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%q: tensor<2x70x4x8xf32>, %k: tensor<2x70x2x8xf32>, %v: tensor<2x70x2x8xf32>)
        -> (tensor<2x70x4x8xf32>, tensor<2x70x4x8xf32>) {
      %c = ost.attention %q, %k, %v {causal} : tensor<2x70x4x8xf32>, tensor<2x70x2x8xf32>, tensor<2x70x2x8xf32>
      %n = ost.attention %q, %k, %v : tensor<2x70x4x8xf32>, tensor<2x70x2x8xf32>, tensor<2x70x2x8xf32>
      return %c, %n : tensor<2x70x4x8xf32>, tensor<2x70x4x8xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor q = randomTensor({2, 70, 4, 8}, 10, -2, 2),
         k = randomTensor({2, 70, 2, 8}, 11, -2, 2),
         v = randomTensor({2, 70, 2, 8}, 12);
  SmallVector<Tensor> r = run(*m, "f", {q, k, v});
  ASSERT_EQ(r.size(), 2u);
  double scale = 1.0 / std::sqrt(8.0);
  expectClose(r[0], naiveAttention(q, k, v, nullptr, true, scale), 1e-5);
  expectClose(r[1], naiveAttention(q, k, v, nullptr, false, scale), 1e-5);
}

TEST_F(ModelOpsTest, CausalAttentionIsAlignedAtTheEndWithMasks) {
  // S = 7 keys, T = 3 queries: query t sees keys s <= t + 4.
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%q: tensor<2x3x4x8xf32>, %k: tensor<2x7x1x8xf32>, %v: tensor<2x7x1x8xf32>,
                 %m2: tensor<3x7xf32>, %m4: tensor<2x1x3x7xf32>)
        -> (tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>) {
      %a = ost.attention %q, %k, %v {causal} : tensor<2x3x4x8xf32>, tensor<2x7x1x8xf32>, tensor<2x7x1x8xf32>
      %b = ost.attention %q, %k, %v mask %m2 {causal, scale = 0.5 : f64} : tensor<2x3x4x8xf32>, tensor<2x7x1x8xf32>, tensor<2x7x1x8xf32>, tensor<3x7xf32>
      %c = ost.attention %q, %k, %v mask %m4 : tensor<2x3x4x8xf32>, tensor<2x7x1x8xf32>, tensor<2x7x1x8xf32>, tensor<2x1x3x7xf32>
      return %a, %b, %c : tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor q = randomTensor({2, 3, 4, 8}, 13, -2, 2),
         k = randomTensor({2, 7, 1, 8}, 14, -2, 2),
         v = randomTensor({2, 7, 1, 8}, 15);
  Tensor m2 = randomTensor({3, 7}, 16, -1, 0);
  Tensor m4 = randomTensor({2, 1, 3, 7}, 17, -1, 0);
  m4.getFloatData()[5] = -std::numeric_limits<float>::infinity();
  SmallVector<Tensor> r = run(*m, "f", {q, k, v, m2, m4});
  ASSERT_EQ(r.size(), 3u);
  double scale = 1.0 / std::sqrt(8.0);
  expectClose(r[0], naiveAttention(q, k, v, nullptr, true, scale), 1e-5);
  expectClose(r[1], naiveAttention(q, k, v, &m2, true, 0.5), 1e-5);
  expectClose(r[2], naiveAttention(q, k, v, &m4, false, scale), 1e-5);
  // End alignment: the last query sees every key, so it equals the
  // non-causal result for that query.
  Tensor full = naiveAttention(q, k, v, nullptr, false, scale);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 32; ++i) {
      int64_t idx = (b * 3 + 2) * 32 + i;
      EXPECT_NEAR(r[0].getFloats()[idx], full.getFloats()[idx], 1e-5);
    }
}

TEST_F(ModelOpsTest, ElementwiseAndTranspose) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%a: tensor<2x3x4xf32>, %b: tensor<2x3x4xf32>)
        -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<2x3x4xf32>) {
      %s = ost.silu %a : tensor<2x3x4xf32>
      %m = ost.mul %s, %b : tensor<2x3x4xf32>
      %p = ost.add %m, %a : tensor<2x3x4xf32>
      %t = ost.transpose %p [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
      %d = arith.divf %a, %b : tensor<2x3x4xf32>
      %e = arith.subf %d, %a : tensor<2x3x4xf32>
      %n = arith.negf %e : tensor<2x3x4xf32>
      %x = math.exp %n : tensor<2x3x4xf32>
      %q = arith.mulf %x, %x : tensor<2x3x4xf32>
      %r = math.sqrt %q : tensor<2x3x4xf32>
      %u = arith.addf %r, %a : tensor<2x3x4xf32>
      return %s, %p, %t, %u : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<2x3x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor a = randomTensor({2, 3, 4}, 18);
  Tensor b = randomTensor({2, 3, 4}, 19, 0.5, 2);
  SmallVector<Tensor> r = run(*m, "f", {a, b});
  ASSERT_EQ(r.size(), 4u);
  Tensor silu = naiveSilu(a);
  expectClose(r[0], silu, 1e-6);
  for (int64_t i = 0; i < 24; ++i) {
    float p = silu.getFloats()[i] * b.getFloats()[i] + a.getFloats()[i];
    EXPECT_NEAR(r[1].getFloats()[i], p, 1e-6);
    double e = double(a.getFloats()[i]) / b.getFloats()[i] - a.getFloats()[i];
    EXPECT_NEAR(r[3].getFloats()[i], std::exp(-e) + a.getFloats()[i], 1e-5);
  }
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        EXPECT_EQ(r[2].getFloats()[(k * 2 + i) * 3 + j],
                  r[1].getFloats()[(i * 3 + j) * 4 + k]);
}

TEST_F(ModelOpsTest, TensorReshapesSlicesAndDynamicDims) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<?x8xf32>) -> (tensor<?x2x4xf32>, tensor<?xf32>,
        tensor<4x?xf32>, tensor<3xf32>, tensor<?x16xf32>, tensor<2x3xi64>) {
      %c0 = arith.constant 0 : index
      %d = tensor.dim %x, %c0 : tensor<?x8xf32>
      %e = tensor.expand_shape %x [[0], [1, 2]] output_shape [%d, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
      %c = tensor.collapse_shape %e [[0, 1, 2]] : tensor<?x2x4xf32> into tensor<?xf32>
      %shape = arith.constant dense<[4, 6]> : tensor<2xi64>
      %r = tensor.reshape %x(%shape) : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<4x?xf32>
      %s = tensor.extract_slice %x[1, 2] [1, 3] [1, 2] : tensor<?x8xf32> to tensor<3xf32>
      %cat = tensor.concat dim(1) %x, %x : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x16xf32>
      %z = tensor.empty() : tensor<2x3xi64>
      return %e, %c, %r, %s, %cat, %z : tensor<?x2x4xf32>, tensor<?xf32>, tensor<4x?xf32>, tensor<3xf32>, tensor<?x16xf32>, tensor<2x3xi64>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({3, 8}, 20);
  SmallVector<Tensor> r = run(*m, "f", {x});
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].getShape(), ArrayRef<int64_t>({3, 2, 4}));
  EXPECT_EQ(r[1].getShape(), ArrayRef<int64_t>({24}));
  EXPECT_EQ(r[2].getShape(), ArrayRef<int64_t>({4, 6}));
  EXPECT_TRUE(r[1].getFloats() == x.getFloats());
  EXPECT_TRUE(r[2].getFloats() == x.getFloats());
  ASSERT_EQ(r[3].getShape(), ArrayRef<int64_t>({3}));
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_EQ(r[3].getFloats()[i], x.getFloats()[8 + 2 + 2 * i]);
  ASSERT_EQ(r[4].getShape(), ArrayRef<int64_t>({3, 16}));
  EXPECT_EQ(r[4].getFloats()[16 + 8 + 5], x.getFloats()[8 + 5]);
  EXPECT_TRUE(r[5].isInteger());
  EXPECT_EQ(r[5].getInt(4), 0);
}

TEST_F(ModelOpsTest, ConstantsDenseSplatHalfAndResourceBlob) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f() -> (tensor<2x2xf32>, tensor<3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>) {
      %a = arith.constant dense<[[1.5, -2.0], [3.25, 4.0]]> : tensor<2x2xf32>
      %b = arith.constant dense<0.5> : tensor<3xf32>
      %h = arith.constant dense<[1.5, -65504.0]> : tensor<2xf16>
      %hf = arith.extf %h : tensor<2xf16> to tensor<2xf32>
      %g = arith.constant dense<[3.140625, -0.5]> : tensor<2xbf16>
      %gf = arith.extf %g : tensor<2xbf16> to tensor<2xf32>
      %r = arith.constant dense_resource<weights> : tensor<2x2xf32>
      return %a, %b, %hf, %gf, %r : tensor<2x2xf32>, tensor<3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>
    }
    {-#
      dialect_resources: {
        builtin: {
          weights: "0x040000000000803F000000400000404000008040"
        }
      }
    #-})mlir");
  ASSERT_TRUE(m);
  SmallVector<Tensor> r = run(*m, "f", {});
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].getFloats(), ArrayRef<float>({1.5f, -2.0f, 3.25f, 4.0f}));
  EXPECT_EQ(r[1].getFloats(), ArrayRef<float>({0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(r[2].getFloats(), ArrayRef<float>({1.5f, -65504.0f}));
  EXPECT_EQ(r[3].getFloats(), ArrayRef<float>({3.140625f, -0.5f}));
  EXPECT_EQ(r[4].getFloats(), ArrayRef<float>({1.0f, 2.0f, 3.0f, 4.0f}));
}

TEST_F(ModelOpsTest, EmbeddingAndFunctionCall) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func private @embed(%t: tensor<6x4xf32>, %ids: tensor<1x3xi64>) -> tensor<1x3x4xf32> {
      %h = ost.embedding %t[%ids] : tensor<6x4xf32>, tensor<1x3xi64> -> tensor<1x3x4xf32>
      return %h : tensor<1x3x4xf32>
    }
    func.func @f(%ids: tensor<1x3xi64>) -> tensor<1x3x4xf32> {
      %t = arith.constant dense<[[0.0, 0.1, 0.2, 0.3], [1.0, 1.1, 1.2, 1.3], [2.0, 2.1, 2.2, 2.3],
                                 [3.0, 3.1, 3.2, 3.3], [4.0, 4.1, 4.2, 4.3], [5.0, 5.1, 5.2, 5.3]]> : tensor<6x4xf32>
      %h = func.call @embed(%t, %ids) : (tensor<6x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
      return %h : tensor<1x3x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  SmallVector<Tensor> r = run(*m, "f", {intTensor({1, 3}, {5, 0, 2})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].getFloats(),
            ArrayRef<float>({5.0f, 5.1f, 5.2f, 5.3f, 0.0f, 0.1f, 0.2f, 0.3f,
                             2.0f, 2.1f, 2.2f, 2.3f}));
}

} // namespace
