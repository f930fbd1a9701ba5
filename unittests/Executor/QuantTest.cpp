//===- QuantTest.cpp - fake quantization, runtime quantization, qlinear ---===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Hand-checked quantizer values (METHOD §6 arithmetic, round half to even),
// dynamic_quantize → dequantize == fake_quant, and qlinear against a linear
// on the dequantized weights.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

#include "ost/Executor/Kernels.h"

#include <random>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

using QuantTest = ExecutorTest;

void expectValues(const Tensor &t, ArrayRef<float> expected, float tol) {
  ASSERT_EQ(t.getNumElements(), static_cast<int64_t>(expected.size()));
  for (auto [i, e] : llvm::enumerate(expected))
    EXPECT_NEAR(t.getFloats()[i], e, tol) << "at flat index " << i;
}

TEST_F(QuantTest, FakeQuantHandCheckedValues) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%a: tensor<3x8xf32>, %w: tensor<2x4xf32>, %c: tensor<3x2xf32>, %p: tensor<4xf32>, %y: tensor<3x8xf32>)
        -> (tensor<3x8xf32>, tensor<2x4xf32>, tensor<3x2xf32>, tensor<4xf32>, tensor<3x8xf32>) {
      %0 = ost.fake_quant %a {spec = #ost.qspec<4, asym, per_token>} : tensor<3x8xf32>
      %1 = ost.fake_quant %w {spec = #ost.qspec<4, sym, per_channel>} : tensor<2x4xf32>
      %2 = ost.fake_quant %c {spec = #ost.qspec<4, sym, per_channel, axis = 1>} : tensor<3x2xf32>
      %3 = ost.fake_quant %p {spec = #ost.qspec<2, asym, per_tensor, clip = 0.5>} : tensor<4xf32>
      %4 = ost.fake_quant %y {spec = #ost.qspec<4, sym, per_token>} : tensor<3x8xf32>
      return %0, %1, %2, %3, %4 : tensor<3x8xf32>, tensor<2x4xf32>, tensor<3x2xf32>, tensor<4xf32>, tensor<3x8xf32>
    })mlir");
  ASSERT_TRUE(m);
  // Asymmetric per token, 4 bits.
  // Row 0: scale 3/15 = 0.2, zp = 5; 0.3/0.2 = 1.5 → 2 and 0.5/0.2 = 2.5 → 2
  // (half to even), −0.7/0.2 = −3.5 → −4, 0.1/0.2 = 0.5 → 0.
  // Row 1: all negative: xmax = 1e-6, scale = (3 + 1e-6)/15, zp = 15.
  // Row 2: all zeros stay zeros (scale 1e-6/15, no division by zero).
  Tensor a = Tensor::fromFloats(
      {3, 8}, {-1.0f, 0.0f, 0.3f, 0.5f, 2.0f, 1.0f, -0.7f, 0.1f,     //
               -3.0f, -1.5f, -0.75f, -0.1f, -3.0f, -3.0f, -3.0f, -3.0f, //
               0, 0, 0, 0, 0, 0, 0, 0});
  // Symmetric per output channel: row 0 scale max(1.6/8, 1.4/7) = 0.2,
  // row 1 scale max(0.3/8, 0.6/7) = 0.6/7.
  Tensor w = Tensor::fromFloats({2, 4}, {0.7f, -1.6f, 0.1f, 1.4f,  //
                                         -0.3f, 0.6f, 0.2f, -0.1f});
  // Symmetric per column (axis 1): column 0 scale 1.75/7 = 0.25 (0.375 →
  // 1.5 → 2), column 1 scale 4/8 = 0.5 (0.625 → 1.25 → 1).
  Tensor c = Tensor::fromFloats({3, 2},
                                {1.75f, -4.0f, 0.375f, 3.5f, -1.0f, 0.625f});
  // Per tensor, 2 bits, clip 0.5: xmax = 2, scale 2/3, 1 → 1.5 → 2 levels,
  // 4 clamps to level 3.
  Tensor p = Tensor::fromFloats({4}, {0.0f, 1.0f, 2.0f, 4.0f});
  // Symmetric per token: row 0 scale max(2/8, 3.5/7) = 0.5 (0.25 → 0.5 → 0,
  // 0.75 → 1.5 → 2, 1.75 → 3.5 → 4, 1.25 → 2.5 → 2); row 1 (all negative)
  // scale 4/8 = 0.5 with the level −8 reachable; zeros stay zeros.
  Tensor y = Tensor::fromFloats(
      {3, 8}, {-2.0f, 0.25f, 0.75f, 1.75f, 3.5f, -0.5f, 1.25f, 0.0f,      //
               -4.0f, -1.0f, -0.75f, -0.25f, -4.0f, -4.0f, -4.0f, -4.0f, //
               0, 0, 0, 0, 0, 0, 0, 0});
  SmallVector<Tensor> r = run(*m, "f", {a, w, c, p, y});
  ASSERT_EQ(r.size(), 5u);
  float s1 = (3.0f + 1e-6f) / 15.0f;
  expectValues(r[0],
               {-1.0f, 0.0f, 0.4f, 0.4f, 2.0f, 1.0f, -0.8f, 0.0f,    //
                -15 * s1, -7 * s1, -4 * s1, 0.0f, -15 * s1, -15 * s1, //
                -15 * s1, -15 * s1,                                   //
                0, 0, 0, 0, 0, 0, 0, 0},
               1e-6f);
  EXPECT_NEAR(r[0].getFloats()[8], -3.0f, 1e-5f);
  float s2 = 0.6f / 7.0f;
  expectValues(r[1], {0.8f, -1.6f, 0.0f, 1.4f, -4 * s2, 7 * s2, 2 * s2, -s2},
               1e-6f);
  expectValues(r[2], {1.75f, -4.0f, 0.5f, 3.5f, -1.0f, 0.5f}, 0.0f);
  expectValues(r[3], {0.0f, 4.0f / 3, 2.0f, 2.0f}, 1e-6f);
  expectValues(r[4],
               {-2.0f, 0.0f, 1.0f, 2.0f, 3.5f, -0.5f, 1.0f, 0.0f,      //
                -4.0f, -1.0f, -1.0f, 0.0f, -4.0f, -4.0f, -4.0f, -4.0f, //
                0, 0, 0, 0, 0, 0, 0, 0},
               0.0f);
}

TEST_F(QuantTest, GroupsEqualPerTokenOnSplitRows) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x3x64xf32>, %y: tensor<2x3x4x16xf32>, %w: tensor<6x64xf32>, %wy: tensor<6x4x16xf32>)
        -> (tensor<2x3x64xf32>, tensor<2x3x4x16xf32>, tensor<6x64xf32>, tensor<6x4x16xf32>) {
      %a = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token, group = 16, clip = 0.9>} : tensor<2x3x64xf32>
      %b = ost.fake_quant %y {spec = #ost.qspec<4, asym, per_token, clip = 0.9>} : tensor<2x3x4x16xf32>
      %c = ost.fake_quant %w {spec = #ost.qspec<3, sym, per_channel, group = 16>} : tensor<6x64xf32>
      %d = ost.fake_quant %wy {spec = #ost.qspec<3, sym, per_token>} : tensor<6x4x16xf32>
      return %a, %b, %c, %d : tensor<2x3x64xf32>, tensor<2x3x4x16xf32>, tensor<6x64xf32>, tensor<6x4x16xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({2, 3, 64}, 30, -2, 3);
  Tensor y = x;
  ASSERT_TRUE(y.reshape({2, 3, 4, 16}));
  Tensor w = randomTensor({6, 64}, 31);
  Tensor wy = w;
  ASSERT_TRUE(wy.reshape({6, 4, 16}));
  SmallVector<Tensor> r = run(*m, "f", {x, y, w, wy});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE(r[0].getFloats() == r[1].getFloats());
  EXPECT_TRUE(r[2].getFloats() == r[3].getFloats());
}

TEST_F(QuantTest, DynamicQuantizeThenDequantizeEqualsFakeQuant) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x3x64xf32>) -> (tensor<2x3x64xf32>, tensor<2x3x64xf32>,
        tensor<2x3x64xf32>, tensor<2x3x64xf32>, tensor<2x3x64xf32>, tensor<2x3x64xf32>, tensor<2x3x4xf32>) {
      %q, %s, %z = ost.dynamic_quantize %x {spec = #ost.qspec<4, asym, per_token, group = 16>}
          : tensor<2x3x64xf32> -> tensor<2x3x64xi8>, tensor<2x3x4xf32>, tensor<2x3x4xi8>
      %d = ost.dequantize %q, %s zero_points %z {spec = #ost.qspec<4, asym, per_token, group = 16>}
          : tensor<2x3x64xi8>, tensor<2x3x4xf32>, tensor<2x3x4xi8> -> tensor<2x3x64xf32>
      %f = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token, group = 16>} : tensor<2x3x64xf32>
      %q8, %s8, %z8 = ost.dynamic_quantize %x {spec = #ost.qspec<8, asym, per_token>}
          : tensor<2x3x64xf32> -> tensor<2x3x64xi8>, tensor<2x3x1xf32>, tensor<2x3x1xi8>
      %d8 = ost.dequantize %q8, %s8 zero_points %z8 {spec = #ost.qspec<8, asym, per_token>}
          : tensor<2x3x64xi8>, tensor<2x3x1xf32>, tensor<2x3x1xi8> -> tensor<2x3x64xf32>
      %f8 = ost.fake_quant %x {spec = #ost.qspec<8, asym, per_token>} : tensor<2x3x64xf32>
      %qs, %ss = ost.dynamic_quantize %x {spec = #ost.qspec<8, sym, per_token, clip = 0.8>}
          : tensor<2x3x64xf32> -> tensor<2x3x64xi32>, tensor<2x3x1xf32>
      %ds = ost.dequantize %qs, %ss {spec = #ost.qspec<8, sym, per_token, clip = 0.8>}
          : tensor<2x3x64xi32>, tensor<2x3x1xf32> -> tensor<2x3x64xf32>
      %fs = ost.fake_quant %x {spec = #ost.qspec<8, sym, per_token, clip = 0.8>} : tensor<2x3x64xf32>
      return %d, %f, %d8, %f8, %ds, %fs, %s : tensor<2x3x64xf32>, tensor<2x3x64xf32>,
          tensor<2x3x64xf32>, tensor<2x3x64xf32>, tensor<2x3x64xf32>, tensor<2x3x64xf32>, tensor<2x3x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor x = randomTensor({2, 3, 64}, 32, -1.5, 2.5);
  SmallVector<Tensor> r = run(*m, "f", {x});
  ASSERT_EQ(r.size(), 7u);
  EXPECT_TRUE(r[0].bitwiseEquals(r[1]));
  EXPECT_TRUE(r[2].bitwiseEquals(r[3]));
  EXPECT_TRUE(r[4].bitwiseEquals(r[5]));
  // One scale per group of 16: (max − min)/15 of that group.
  float lo = 0, hi = 0;
  for (int64_t i = 16; i < 32; ++i) {
    lo = std::min(lo, x.getFloats()[i]);
    hi = std::max(hi, x.getFloats()[i]);
  }
  EXPECT_FLOAT_EQ(r[6].getFloats()[1], (hi - lo) / 15.0f);
}

/// Packs signed or unsigned levels (row-major [n, k]) at `bits` per level,
/// little end first, into [n, k·bits/8] bytes.
Tensor pack(ArrayRef<int64_t> levels, int64_t n, int64_t k, unsigned bits) {
  int64_t perByte = 8 / bits, bytes = k / perByte;
  std::vector<int64_t> packed(n * bytes, 0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k; ++j) {
      uint8_t level = uint8_t(levels[r * k + j]) & ((1u << bits) - 1u);
      packed[r * bytes + j / perByte] |= int64_t(level)
                                         << ((j % perByte) * bits);
    }
  for (int64_t &v : packed)
    v = int8_t(uint8_t(v));
  return Tensor::fromInts({n, bytes}, packed, DType::I8);
}

/// Random levels in [lo, hi].
std::vector<int64_t> randomLevels(int64_t count, int64_t lo, int64_t hi,
                                  unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<int64_t> v(count);
  for (int64_t &x : v)
    x = dist(gen);
  return v;
}

TEST_F(QuantTest, QLinearMatchesLinearOnDequantizedWeights) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<3x32xf32>, %w4: tensor<5x16xi8>, %s1: tensor<5x1xf32>,
                 %s2: tensor<5x2xf32>, %wa: tensor<5x16xi8>, %z: tensor<5x2xi8>,
                 %b: tensor<5xf32>, %w2: tensor<5x8xi8>, %w8: tensor<5x32xi8>)
        -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x32xf32>) {
      %0 = ost.qlinear %x, %w4, %s1 {weight_spec = #ost.qspec<4, sym, per_channel>}
          : tensor<3x32xf32>, tensor<5x16xi8>, tensor<5x1xf32> -> tensor<3x5xf32>
      %1 = ost.qlinear %x, %w4, %s2 {weight_spec = #ost.qspec<4, sym, per_channel, group = 16>}
          : tensor<3x32xf32>, tensor<5x16xi8>, tensor<5x2xf32> -> tensor<3x5xf32>
      %2 = ost.qlinear %x, %wa, %s2 zero_points(%z : tensor<5x2xi8>) bias(%b : tensor<5xf32>)
          {weight_spec = #ost.qspec<4, asym, per_channel, group = 16>}
          : tensor<3x32xf32>, tensor<5x16xi8>, tensor<5x2xf32> -> tensor<3x5xf32>
      %3 = ost.qlinear %x, %w4, %s1 {weight_spec = #ost.qspec<4, sym, per_channel>,
                                     act_spec = #ost.qspec<4, asym, per_token>}
          : tensor<3x32xf32>, tensor<5x16xi8>, tensor<5x1xf32> -> tensor<3x5xf32>
      %4 = ost.qlinear %x, %w2, %s1 {weight_spec = #ost.qspec<2, sym, per_channel>}
          : tensor<3x32xf32>, tensor<5x8xi8>, tensor<5x1xf32> -> tensor<3x5xf32>
      %5 = ost.qlinear %x, %w8, %s1 {weight_spec = #ost.qspec<8, sym, per_channel>}
          : tensor<3x32xf32>, tensor<5x32xi8>, tensor<5x1xf32> -> tensor<3x5xf32>
      %xq = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token>} : tensor<3x32xf32>
      return %0, %1, %2, %3, %4, %5, %xq : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x32xf32>
    })mlir");
  ASSERT_TRUE(m);
  const int64_t n = 5, k = 32;
  Tensor x = randomTensor({3, k}, 40, -2, 2);
  std::vector<int64_t> sym4 = randomLevels(n * k, -8, 7, 41);
  std::vector<int64_t> asym4 = randomLevels(n * k, 0, 15, 42);
  std::vector<int64_t> sym2 = randomLevels(n * k, -2, 1, 43);
  std::vector<int64_t> sym8 = randomLevels(n * k, -128, 127, 44);
  std::vector<int64_t> zps = randomLevels(n * 2, 0, 15, 45);
  Tensor s1 = randomTensor({n, 1}, 46, 0.01f, 0.1f);
  Tensor s2 = randomTensor({n, 2}, 47, 0.01f, 0.1f);
  Tensor b = randomTensor({n}, 48);
  Tensor z = Tensor::fromInts({n, 2}, zps, DType::I8);
  // Dequantized references Ŵ[r, j] = (q − zp)·scale of (r, j / group).
  auto dequant = [&](ArrayRef<int64_t> q, const Tensor &s, int64_t group,
                     const std::vector<int64_t> *zp) {
    Tensor wt({n, k});
    int64_t groups = k / group;
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < k; ++j) {
        int64_t g = r * groups + j / group;
        float zero = zp ? float((*zp)[g]) : 0.0f;
        wt.getFloatData()[r * k + j] =
            (float(q[r * k + j]) - zero) * s.getFloats()[g];
      }
    return wt;
  };
  SmallVector<Tensor> r =
      run(*m, "f",
          {x, pack(sym4, n, k, 4), s1, s2, pack(asym4, n, k, 4), z, b,
           pack(sym2, n, k, 2), pack(sym8, n, k, 8)});
  ASSERT_EQ(r.size(), 7u);
  expectClose(r[0], naiveLinear(x, dequant(sym4, s1, k, nullptr), nullptr),
              1e-5);
  expectClose(r[1], naiveLinear(x, dequant(sym4, s2, 16, nullptr), nullptr),
              1e-5);
  expectClose(r[2], naiveLinear(x, dequant(asym4, s2, 16, &zps), &b), 1e-5);
  expectClose(r[3], naiveLinear(r[6], dequant(sym4, s1, k, nullptr), nullptr),
              1e-5);
  expectClose(r[4], naiveLinear(x, dequant(sym2, s1, k, nullptr), nullptr),
              1e-5);
  expectClose(r[5], naiveLinear(x, dequant(sym8, s1, k, nullptr), nullptr),
              1e-5);
  // The activation quantizer actually changed the result.
  EXPECT_GT(std::fabs(r[3].getFloats()[0] - r[0].getFloats()[0]), 1e-6);
}

TEST(QuantKernelTest, UnpackWeightNibbleOrder) {
  // Byte 0x9F holds levels 0xF (element 0, low nibble) and 0x9 (element 1).
  Tensor packed = Tensor::fromInts({1, 1}, {int8_t(0x9F)}, DType::I8);
  Tensor scales = Tensor::fromFloats({1, 1}, {1.0f});
  QuantParams sym;
  sym.bits = 4;
  sym.symmetric = true;
  sym.granularity = Granularity::PerChannel;
  KernelContext ctx;
  llvm::Expected<Tensor> w = unpackWeight(packed, scales, nullptr, sym, ctx);
  ASSERT_TRUE(static_cast<bool>(w));
  EXPECT_EQ(w->getFloats(), ArrayRef<float>({-1.0f, -7.0f}));
  QuantParams asym = sym;
  asym.symmetric = false;
  Tensor zp = Tensor::fromInts({1, 1}, {8}, DType::I8);
  llvm::Expected<Tensor> wa = unpackWeight(packed, scales, &zp, asym, ctx);
  ASSERT_TRUE(static_cast<bool>(wa));
  EXPECT_EQ(wa->getFloats(), ArrayRef<float>({7.0f, 1.0f}));
}

} // namespace
