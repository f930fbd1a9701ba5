//===- LinearTest.cpp - ostrt_linear_f32 and the int4 linears -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Linears are compared with the executor within 1e-5 of Σ_k |x·w| (the
// reference sums dequantized floats with OpenBLAS, rounding at every step;
// W4A4 sums integers exactly and rounds once). Results must not depend on
// the thread count; W4A4 must not depend on the instruction set either.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "ost/runtime/kernels/Int4Kernels.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace ost::runtime;
using namespace ost::runtime::test;

namespace {

/// |y − ref| <= tol·Σ_k|x_k·w_k| + tiny, per output.
void expectClose(const std::vector<float> &y, const std::vector<float> &ref,
                 const std::vector<double> &magnitude, double tol,
                 const std::string &what) {
  ASSERT_EQ(y.size(), ref.size()) << what;
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_LE(std::fabs(double(y[i]) - ref[i]), tol * magnitude[i] + 1e-30)
        << what << ", at " << i << ": " << y[i] << " vs " << ref[i];
}

/// Σ_k |x[r,k]·w[c,k]| (+|bias|) for x [rows, k], w [n, k].
std::vector<double> magnitudes(const std::vector<float> &x,
                               const std::vector<float> &w,
                               const std::vector<float> &bias, int64_t rows,
                               int64_t k, int64_t n) {
  std::vector<double> m(rows * n, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c) {
      double s = bias.empty() ? 0.0 : std::fabs(double(bias[c]));
      for (int64_t i = 0; i < k; ++i)
        s += std::fabs(double(x[r * k + i]) * w[c * k + i]);
      m[r * n + c] = s;
    }
  return m;
}

/// A random IR-packed int4 weight [n, k/2] (levels −8..7) and its scales.
struct IrWeight {
  std::vector<uint8_t> packed;
  std::vector<float> scales;
  ex::Tensor packedTensor() const {
    std::vector<int64_t> bytes(packed.begin(), packed.end());
    return ex::Tensor::fromInts(
        {int64_t(scales.size()), int64_t(packed.size() / scales.size())}, bytes,
        ex::DType::I8, 8);
  }
  ex::Tensor scalesTensor() const {
    return floatTensor({int64_t(scales.size()), 1}, scales);
  }
};

IrWeight randomWeight(int64_t n, int64_t k, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.01f, 0.1f);
  IrWeight w;
  w.packed.resize(static_cast<size_t>(n * k / 2));
  for (uint8_t &b : w.packed)
    b = static_cast<uint8_t>(byte(gen));
  w.scales.resize(static_cast<size_t>(n));
  for (float &s : w.scales)
    s = scale(gen);
  return w;
}

ex::QuantParams weightParams() {
  ex::QuantParams p;
  p.bits = 4;
  p.symmetric = true;
  p.granularity = ex::Granularity::PerChannel;
  return p;
}

struct GemmShape {
  int64_t rows, k, n, group;
};

/// Runs quantize_act + qgemm_w4a4 through the ABI.
std::vector<float> runW4A4(TestContext &ctx, std::vector<float> x,
                           const GemmShape &s, kernels::PackedWeight &w,
                           std::vector<int32_t> &sums, std::vector<float> &bias,
                           bool withBias) {
  const int64_t groups = s.group ? s.k / s.group : 1;
  std::vector<uint8_t> levels(s.rows * s.k);
  std::vector<float> scales(s.rows * groups);
  std::vector<int32_t> zps(s.rows * groups);
  auto xm = memref(x, {s.rows, s.k});
  auto none = absent<int8_t, 2>();
  auto lm = memref(levels, {s.rows, s.k});
  auto sm = memref(scales, {s.rows, groups});
  auto zm = memref(zps, {s.rows, groups});
  _mlir_ciface_ostrt_quantize_act(ctx.get(), &xm, &none, 0, 4, s.group, 1.0f,
                                  &lm, &sm, &zm);
  std::vector<float> y(s.rows * s.n, -7.0f);
  auto wm = memref(w.data, {s.n, w.paddedK / 2});
  auto wsm = memref(w.scales, {s.n});
  auto gm = memref(sums, {s.n, groups});
  auto bm = withBias ? memref(bias, {s.n}) : absent<float, 1>();
  auto ym = memref(y, {s.rows, s.n});
  _mlir_ciface_ostrt_qgemm_w4a4(ctx.get(), &lm, &sm, &zm, s.group, &wm, &wsm,
                                &gm, &bm, &ym);
  EXPECT_FALSE(ctx.failed()) << ctx.error();
  return y;
}

} // namespace

TEST(Linear, LinearF32MatchesExecutor) {
  for (int64_t rows : {1, 5})
    for (int64_t n : {7, 300, 600})
      for (bool withBias : {false, true}) {
        const int64_t k = 96;
        std::vector<float> x = randomFloats(rows * k, 1 + n);
        std::vector<float> w = randomFloats(n * k, 2 + n, 0.1f);
        std::vector<float> bias = randomFloats(n, 3 + n);
        ex::Tensor bt = floatTensor({n}, bias);
        mlir::ost::ScopedSingleThreadedBlas single;
        auto ref =
            floats(ex::linear(floatTensor({rows, k}, x), floatTensor({n, k}, w),
                              withBias ? &bt : nullptr, {}));
        auto mag = magnitudes(x, w, withBias ? bias : std::vector<float>(),
                              rows, k, n);
        std::vector<float> first;
        for (unsigned threads : {1u, 2u}) {
          TestContext ctx(threads);
          std::vector<float> y(rows * n);
          auto xm = memref(x, {rows, k});
          auto wm = memref(w, {n, k});
          auto bm = withBias ? memref(bias, {n}) : absent<float, 1>();
          auto ym = memref(y, {rows, n});
          _mlir_ciface_ostrt_linear_f32(ctx.get(), &xm, &wm, &bm, &ym);
          ASSERT_FALSE(ctx.failed()) << ctx.error();
          expectClose(y, ref, mag, 1e-5, "linear_f32");
          if (first.empty())
            first = y;
          else
            EXPECT_EQ(y, first) << "thread count changed the result";
        }
      }
}

TEST(Linear, W4A4MatchesQLinearGroupedAndNot) {
  const GemmShape shapes[] = {
      {1, 256, 70, 0},    {5, 256, 70, 64},   {5, 384, 33, 128},
      {17, 192, 40, 64},  {3, 384, 20, 192},  {2, 200, 13, 0},
      {70, 512, 67, 128}, {1, 4096, 64, 128}, {6, 64, 9, 8},
      {3, 96, 5, 32},     {4, 130, 11, 0},    {1, 192, 16, 192}};
  for (const GemmShape &s : shapes) {
    std::string what = "rows " + std::to_string(s.rows) + ", k " +
                       std::to_string(s.k) + ", n " + std::to_string(s.n) +
                       ", group " + std::to_string(s.group);
    std::vector<float> x = randomFloats(s.rows * s.k, 11 + s.k + s.n, 1.0f,
                                        s.rows % 2 ? 0.3f : 0.0f);
    IrWeight ir = randomWeight(s.n, s.k, 5 + s.n);
    std::vector<float> bias = randomFloats(s.n, 7 + s.n, 0.1f);
    kernels::PackedWeight w;
    ASSERT_TRUE(
        kernels::packWeightInt4(ir.packed.data(), ir.scales.data(), s.n, s.k, w)
            .ok());
    std::vector<int32_t> sums;
    ASSERT_TRUE(kernels::computeGroupSums(w, s.group, sums).ok());
    ex::QuantParams ap = perTokenParams(4, false, s.group, 1.0f);
    ex::QuantParams wp = weightParams();
    for (bool withBias : {false, true}) {
      ex::Tensor bt = floatTensor({s.n}, bias);
      mlir::ost::ScopedSingleThreadedBlas single;
      auto ref = floats(ex::qlinear(
          floatTensor({s.rows, s.k}, x), ir.packedTensor(), ir.scalesTensor(),
          nullptr, withBias ? &bt : nullptr, wp, &ap, {}));
      auto xq = floats(ex::fakeQuant(floatTensor({s.rows, s.k}, x), ap, {}));
      auto wf = floats(ex::unpackWeight(ir.packedTensor(), ir.scalesTensor(),
                                        nullptr, wp, {}));
      auto mag = magnitudes(xq, wf, withBias ? bias : std::vector<float>(),
                            s.rows, s.k, s.n);
      // The integer paths give the same bits on every ISA; the fallback
      // (groups not a multiple of 64) sums floats, per ISA.
      const bool integerPath =
          s.group == 0 || s.group == s.k || s.group % 64 == 0;
      std::vector<float> firstOfAll;
      for (kernels::Isa isa : supportedIsas()) {
        std::vector<float> firstOfIsa;
        for (unsigned threads : {1u, 2u, 3u}) {
          TestContext ctx(threads, isa);
          std::vector<float> y = runW4A4(ctx, x, s, w, sums, bias, withBias);
          std::string where = what + ", " + kernels::getIsaName(isa) + ", " +
                              std::to_string(threads) + " threads";
          expectClose(y, ref, mag, 1e-5, where);
          if (firstOfIsa.empty())
            firstOfIsa = y;
          else
            EXPECT_EQ(y, firstOfIsa) << where;
          if (integerPath && firstOfAll.empty())
            firstOfAll = y;
          else if (integerPath)
            EXPECT_EQ(y, firstOfAll) << where;
        }
      }
    }
  }
}

TEST(Linear, W4A16MatchesQLinear) {
  const GemmShape shapes[] = {
      {1, 256, 70, 0}, {5, 200, 33, 0}, {70, 384, 67, 0}, {3, 64, 300, 0}};
  for (const GemmShape &s : shapes) {
    std::vector<float> x = randomFloats(s.rows * s.k, 21 + s.k);
    IrWeight ir = randomWeight(s.n, s.k, 9 + s.n);
    std::vector<float> bias = randomFloats(s.n, 4 + s.n, 0.1f);
    kernels::PackedWeight w;
    ASSERT_TRUE(
        kernels::packWeightInt4(ir.packed.data(), ir.scales.data(), s.n, s.k, w)
            .ok());
    ex::QuantParams wp = weightParams();
    ex::Tensor bt = floatTensor({s.n}, bias);
    mlir::ost::ScopedSingleThreadedBlas single;
    auto ref =
        floats(ex::qlinear(floatTensor({s.rows, s.k}, x), ir.packedTensor(),
                           ir.scalesTensor(), nullptr, &bt, wp, nullptr, {}));
    auto wf = floats(ex::unpackWeight(ir.packedTensor(), ir.scalesTensor(),
                                      nullptr, wp, {}));
    auto mag = magnitudes(x, wf, bias, s.rows, s.k, s.n);
    for (kernels::Isa isa : supportedIsas()) {
      std::vector<float> first;
      for (unsigned threads : {1u, 2u}) {
        TestContext ctx(threads, isa);
        std::vector<float> y(s.rows * s.n);
        auto xm = memref(x, {s.rows, s.k});
        auto wm = memref(w.data, {s.n, w.paddedK / 2});
        auto wsm = memref(w.scales, {s.n});
        auto bm = memref(bias, {s.n});
        auto ym = memref(y, {s.rows, s.n});
        _mlir_ciface_ostrt_qgemm_w4a16(ctx.get(), &xm, &wm, &wsm, &bm, &ym);
        ASSERT_FALSE(ctx.failed()) << ctx.error();
        expectClose(y, ref, mag, 1e-5, kernels::getIsaName(isa));
        if (first.empty())
          first = y;
        else
          EXPECT_EQ(y, first) << kernels::getIsaName(isa);
      }
    }
  }
}

TEST(Linear, Int4LinearsRejectBadOperands) {
  TestContext ctx(1);
  std::vector<uint8_t> levels(2 * 200, 1);
  std::vector<float> scales(2, 1.0f);
  std::vector<int32_t> zps(2, 0), sums(3, 0);
  std::vector<uint8_t> weight(3 * 100, 0x88);
  std::vector<float> wscales(3, 1.0f), y(2 * 3);
  auto lm = memref(levels, {2, 200});
  auto sm = memref(scales, {2, 1});
  auto zm = memref(zps, {2, 1});
  auto wm = memref(weight, {3, 100});
  auto wsm = memref(wscales, {3});
  auto gm = memref(sums, {3, 1});
  auto none = absent<float, 1>();
  auto ym = memref(y, {2, 3});
  _mlir_ciface_ostrt_qgemm_w4a4(ctx.get(), &lm, &sm, &zm, 0, &wm, &wsm, &gm,
                                &none, &ym);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_qgemm_w4a4: weight is [3, 100], expected "
                         "[3, 128]");
  ctx.clearError();
  std::vector<uint8_t> goodWeight(3 * 128, 0x88);
  auto gw = memref(goodWeight, {3, 128});
  levels[17] = 16;
  _mlir_ciface_ostrt_qgemm_w4a4(ctx.get(), &lm, &sm, &zm, 0, &gw, &wsm, &gm,
                                &none, &ym);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_qgemm_w4a4: activation level 16 at row 0 is "
                         "outside 0..15");
  ctx.clearError();
  std::vector<float> x(2 * 200);
  auto xm = memref(x, {2, 200});
  auto bad = memref(wscales, {2});
  _mlir_ciface_ostrt_qgemm_w4a16(ctx.get(), &xm, &gw, &bad, &none, &ym);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_qgemm_w4a16: wscales is [2], expected [3]");
}
