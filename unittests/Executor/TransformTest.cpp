//===- TransformTest.cpp - transform pairs are exact identities -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// For rotations, block rotations and scales, on both weight sides and with
// `inverse`: transforming the activation and the weight of a linear layer
// leaves its output unchanged (input side) or transforms it (output side).
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

constexpr int64_t kDim = 16;

/// The three learnable transforms of dimension 16 with random values.
struct Params {
  Tensor rotation = randomOrthogonal(kDim, 50);
  Tensor blocks{{4, 4, 4}};
  Tensor scale = randomTensor({kDim}, 51, 0.5f, 2.0f);

  Params() {
    for (int64_t b = 0; b < 4; ++b) {
      Tensor q = randomOrthogonal(4, 52 + b);
      std::copy(q.getFloats().begin(), q.getFloats().end(),
                blocks.getFloatData() + b * 16);
    }
  }

  std::string declare() const {
    return llvm::formatv(R"mlir(
      %r = ost.param "R" {{init = #ost.init<identity>, value = {0}} : !ost.rotation<16>
      %b = ost.param "B" {{init = #ost.init<identity>, value = {1}} : !ost.block_rotation<4 x 4>
      %s = ost.param "S" {{init = #ost.init<ones>, value = {2}} : !ost.scale<16>
    )mlir",
                         denseLiteral(rotation), denseLiteral(blocks),
                         denseLiteral(scale))
        .str();
  }
};

using TransformTest = ExecutorTest;

/// x·T for each transform, checked against naive products.
TEST_F(TransformTest, ApplyMatchesDenseProducts) {
  Params p;
  std::string ir = R"mlir(
    func.func @f(%x: tensor<3x16xf32>) -> (tensor<3x16xf32>, tensor<3x16xf32>,
        tensor<3x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>) {)mlir" +
                   p.declare() + R"mlir(
      %0 = ost.apply %r to %x : !ost.rotation<16>, tensor<3x16xf32>
      %1 = ost.apply %b to %x : !ost.block_rotation<4 x 4>, tensor<3x16xf32>
      %2 = ost.apply %s to %x : !ost.scale<16>, tensor<3x16xf32>
      %3 = ost.apply %s to %x inverse : !ost.scale<16>, tensor<3x16xf32>
      %4 = ost.apply %r to %0 inverse : !ost.rotation<16>, tensor<3x16xf32>
      return %0, %1, %2, %3, %4 : tensor<3x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>
    })mlir";
  OwningOpRef<ModuleOp> m = parse(ir);
  ASSERT_TRUE(m);
  Tensor x = randomTensor({3, kDim}, 53);
  SmallVector<Tensor> r = run(*m, "f", {x});
  ASSERT_EQ(r.size(), 5u);
  expectClose(r[0], naiveMatmulLast(x, p.rotation), 1e-5);
  Tensor dense({kDim, kDim});
  for (int64_t b = 0; b < 4; ++b)
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 4; ++j)
        dense.getFloatData()[(b * 4 + i) * kDim + b * 4 + j] =
            p.blocks.getFloats()[b * 16 + i * 4 + j];
  expectClose(r[1], naiveMatmulLast(x, dense), 1e-5);
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    EXPECT_EQ(r[2].getFloats()[i],
              x.getFloats()[i] * p.scale.getFloats()[i % kDim]);
    EXPECT_EQ(r[3].getFloats()[i],
              x.getFloats()[i] / p.scale.getFloats()[i % kDim]);
  }
  expectClose(r[4], x, 1e-5);
}

/// Input side: (x·T)·(W·T⁻ᵀ)ᵀ = x·Wᵀ, and the same with T⁻¹.
TEST_F(TransformTest, InputSidePairsAreIdentities) {
  Params p;
  std::string body;
  for (auto [name, type] : {std::pair{"r", "!ost.rotation<16>"},
                            {"b", "!ost.block_rotation<4 x 4>"},
                            {"s", "!ost.scale<16>"}})
    for (StringRef inv : {"", " inverse"})
      body += llvm::formatv(R"mlir(
      %x_{0}{2} = ost.apply %{0} to %x{3} : {1}, tensor<2x3x16xf32>
      %w_{0}{2} = ost.transform_weight %w by %{0} side input{3} : tensor<8x16xf32>, {1}
      %y_{0}{2} = ost.linear %x_{0}{2}, %w_{0}{2} : tensor<2x3x16xf32>, tensor<8x16xf32> -> tensor<2x3x8xf32>)mlir",
                            name, type, inv.empty() ? "" : "i", inv)
                  .str();
  std::string ir = R"mlir(
    func.func @f(%x: tensor<2x3x16xf32>, %w: tensor<8x16xf32>) -> (tensor<2x3x8xf32>,
        tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8xf32>) {)mlir" +
                   p.declare() + body + R"mlir(
      return %y_r, %y_ri, %y_b, %y_bi, %y_s, %y_si : tensor<2x3x8xf32>, tensor<2x3x8xf32>,
          tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8xf32>
    })mlir";
  OwningOpRef<ModuleOp> m = parse(ir);
  ASSERT_TRUE(m);
  Tensor x = randomTensor({2, 3, kDim}, 54), w = randomTensor({8, kDim}, 55);
  SmallVector<Tensor> r = run(*m, "f", {x, w});
  ASSERT_EQ(r.size(), 6u);
  Tensor expected = naiveLinear(x, w, nullptr);
  for (const Tensor &y : r)
    expectClose(y, expected, 1e-4);
}

/// Output side: x·(Tᵀ·W)ᵀ + Tᵀb = (x·Wᵀ + b)·T, and the same with T⁻¹.
TEST_F(TransformTest, OutputSidePairsTransformTheOutput) {
  Params p;
  std::string body;
  for (auto [name, type] : {std::pair{"r", "!ost.rotation<16>"},
                            {"b", "!ost.block_rotation<4 x 4>"},
                            {"s", "!ost.scale<16>"}})
    for (StringRef inv : {"", " inverse"})
      body += llvm::formatv(R"mlir(
      %w_{0}{2} = ost.transform_weight %w by %{0} side output{3} : tensor<16x8xf32>, {1}
      %b_{0}{2} = ost.transform_weight %bias by %{0} side output{3} : tensor<16xf32>, {1}
      %y_{0}{2} = ost.linear %x, %w_{0}{2} bias %b_{0}{2} : tensor<5x8xf32>, tensor<16x8xf32>, tensor<16xf32> -> tensor<5x16xf32>
      %z_{0}{2} = ost.apply %{0} to %y{3} : {1}, tensor<5x16xf32>)mlir",
                            name, type, inv.empty() ? "" : "i", inv)
                  .str();
  std::string ir = R"mlir(
    func.func @f(%x: tensor<5x8xf32>, %w: tensor<16x8xf32>, %bias: tensor<16xf32>) -> (
        tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>,
        tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>) {
      %y = ost.linear %x, %w bias %bias : tensor<5x8xf32>, tensor<16x8xf32>, tensor<16xf32> -> tensor<5x16xf32>)mlir" +
                   p.declare() + body + R"mlir(
      return %y_r, %z_r, %y_ri, %z_ri, %y_b, %z_b, %y_bi, %z_bi, %y_s, %z_s, %y_si, %z_si
          : tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>,
            tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>, tensor<5x16xf32>
    })mlir";
  OwningOpRef<ModuleOp> m = parse(ir);
  ASSERT_TRUE(m);
  Tensor x = randomTensor({5, 8}, 56), w = randomTensor({kDim, 8}, 57),
         bias = randomTensor({kDim}, 58);
  SmallVector<Tensor> r = run(*m, "f", {x, w, bias});
  ASSERT_EQ(r.size(), 12u);
  for (int64_t i = 0; i < 12; i += 2)
    expectClose(r[i], r[i + 1], 1e-4);
}

TEST_F(TransformTest, RepeatHeadsAndParameterOverrides) {
  std::string ir = R"mlir(
    func.func @f(%x: tensor<2x16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
      %s = ost.param "S_ov" {init = #ost.init<ones>, value = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>} : !ost.scale<8>
      %b = ost.param "R_ov" {init = #ost.init<identity>} : !ost.block_rotation<2 x 4>
      %s2 = ost.repeat_heads %s {head_dim = 4 : i64, repeats = 2 : i64} : !ost.scale<8> -> !ost.scale<16>
      %b2 = ost.repeat_heads %b {head_dim = 4 : i64, repeats = 2 : i64} : !ost.block_rotation<2 x 4> -> !ost.block_rotation<4 x 4>
      %0 = ost.apply %s2 to %x : !ost.scale<16>, tensor<2x16xf32>
      %1 = ost.apply %b2 to %x : !ost.block_rotation<4 x 4>, tensor<2x16xf32>
      return %0, %1 : tensor<2x16xf32>, tensor<2x16xf32>
    })mlir";
  OwningOpRef<ModuleOp> m = parse(ir);
  ASSERT_TRUE(m);
  Tensor x = randomTensor({2, 16}, 59);
  // R_ov has no value yet: the run fails until it is set.
  std::string error = runExpectingError(*m, "f", {x});
  EXPECT_NE(error.find("parameter 'R_ov' has no value (run "
                       "ost-init-transforms first)"),
            std::string::npos)
      << error;

  Executor executor(*m);
  Tensor blocks({2, 4, 4});
  for (int64_t b = 0; b < 2; ++b) {
    Tensor q = randomOrthogonal(4, 60 + b);
    std::copy(q.getFloats().begin(), q.getFloats().end(),
              blocks.getFloatData() + b * 16);
  }
  ASSERT_TRUE(succeeded(executor.setParameter("R_ov", blocks)));
  FailureOr<SmallVector<Tensor>> r = executor.run("f", {x});
  ASSERT_TRUE(succeeded(r));
  // Head h of the query layout uses KV head h / 2.
  float expectedScale[16] = {1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8};
  for (int64_t i = 0; i < 32; ++i)
    EXPECT_EQ((*r)[0].getFloats()[i], x.getFloats()[i] * expectedScale[i % 16]);
  Tensor dense({16, 16});
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 4; ++j)
        dense.getFloatData()[(h * 4 + i) * 16 + h * 4 + j] =
            blocks.getFloats()[(h / 2) * 16 + i * 4 + j];
  expectClose((*r)[1], naiveMatmulLast(x, dense), 1e-5);

  // Overriding a parameter that has a value drops the cached result.
  Tensor ones({8});
  for (float &v : ones.getFloats())
    v = 1.0f;
  ASSERT_TRUE(succeeded(executor.setParameter("S_ov", ones)));
  FailureOr<SmallVector<Tensor>> r2 = executor.run("f", {x});
  ASSERT_TRUE(succeeded(r2));
  EXPECT_TRUE((*r2)[0].bitwiseEquals(x));

  // Wrong shapes and unknown names are rejected.
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  EXPECT_TRUE(failed(executor.setParameter("S_ov", Tensor({4}))));
  EXPECT_TRUE(failed(executor.setParameter("nope", Tensor({4}))));
  EXPECT_NE(diagnostics.find("storage shape is [8]"), std::string::npos)
      << diagnostics;
  EXPECT_NE(diagnostics.find("no ost.param named 'nope'"), std::string::npos)
      << diagnostics;
}

} // namespace
