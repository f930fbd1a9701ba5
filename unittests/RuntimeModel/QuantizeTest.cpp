//===- QuantizeTest.cpp - ostrt_quantize_act and ostrt_fake_quant ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Levels, scales and zero points must equal the executor's dynamicQuantize
// (after its onlineHadamard when a factor is given) and fake-quantized
// values its fakeQuant, bit for bit, on every path and thread count.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace ost::runtime;
using namespace ost::runtime::test;

namespace {

/// Rows with different offsets: mixed, all positive, all negative, zero,
/// and (row 7) exact rounding ties: per 16 values (k + 0.5)·s, k < 15,
/// and 15·s with s = 0.09375, whose reciprocal is inexact, so only a true
/// division by the scale and ties to even give the executor's levels.
std::vector<float> testRows(int64_t rows, int64_t k, unsigned seed) {
  std::vector<float> x = randomFloats(rows * k, seed);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < k; ++i) {
      float &v = x[r * k + i];
      switch (r % 4) {
      case 1:
        v = std::fabs(v) + 0.5f;
        break;
      case 2:
        v = -std::fabs(v) - 0.25f;
        break;
      case 3:
        v = r == 3 ? 0.0f
                   : (i % 16 == 15 ? 15.0f : float(i % 16) + 0.5f) * 0.09375f;
        break;
      default:
        break;
      }
    }
  return x;
}

struct QuantCase {
  int64_t k;
  bool rotate;
  unsigned bits;
  int64_t group;
  float clip;
};

void checkQuantizeAct(const QuantCase &qc, kernels::Isa isa, unsigned threads) {
  const int64_t rows = 9, k = qc.k;
  std::vector<float> x = testRows(rows, k, unsigned(k + qc.bits + qc.group));
  std::vector<int8_t> factor;
  int64_t order = 1;
  ex::Tensor input = floatTensor({rows, k}, x);
  if (qc.rotate) {
    order = *mlir::ost::getHadamardFactor(k);
    factor = mlir::ost::getCachedHadamardMatrix(order);
    auto rotated = mlir::ost::onlineHadamard(input, /*transpose=*/false, {});
    ASSERT_TRUE(static_cast<bool>(rotated));
    input = *rotated;
  }
  ex::QuantParams params = perTokenParams(qc.bits, false, qc.group, qc.clip);
  auto ref = ex::dynamicQuantize(input, params, {ex::DType::I8, 8},
                                 {ex::DType::I64, 32}, {});
  ASSERT_TRUE(static_cast<bool>(ref)) << llvm::toString(ref.takeError());
  const int64_t groups = qc.group ? k / qc.group : 1;

  TestContext ctx(threads, isa);
  std::vector<uint8_t> levels(rows * k, 0xFF);
  std::vector<float> scales(rows * groups);
  std::vector<int32_t> zps(rows * groups);
  auto xm = memref(x, {rows, k});
  auto fm = qc.rotate ? memref(factor, {order, order}) : absent<int8_t, 2>();
  auto lm = memref(levels, {rows, k});
  auto sm = memref(scales, {rows, groups});
  auto zm = memref(zps, {rows, groups});
  _mlir_ciface_ostrt_quantize_act(ctx.get(), &xm, &fm, 0, qc.bits, qc.group,
                                  qc.clip, &lm, &sm, &zm);
  ASSERT_FALSE(ctx.failed()) << ctx.error();
  std::string what =
      std::string(kernels::getIsaName(isa)) + ", " + std::to_string(threads) +
      " threads, k " + std::to_string(k) + (qc.rotate ? " rotated" : "") +
      ", bits " + std::to_string(qc.bits) + ", group " +
      std::to_string(qc.group) + ", clip " + std::to_string(qc.clip);
  for (int64_t i = 0; i < rows * k; ++i)
    ASSERT_EQ(levels[i], ref->levels.getUnsigned(i)) << what << ", level " << i;
  for (int64_t s = 0; s < rows * groups; ++s) {
    ASSERT_EQ(scales[s], ref->scales.getFloatData()[s]) << what;
    ASSERT_EQ(zps[s], ref->zeroPoints.getInt(s)) << what;
  }
}

} // namespace

TEST(Quantize, QuantizeActMatchesDynamicQuantize) {
  const QuantCase cases[] = {
      {64, false, 4, 0, 1.0f},   {64, true, 4, 0, 1.0f},
      {100, false, 4, 0, 0.9f},  {256, false, 4, 64, 1.0f},
      {256, true, 4, 128, 0.9f}, {256, false, 8, 8, 1.0f},
      {256, true, 3, 16, 1.0f},  {172, true, 4, 0, 1.0f},
      {172, true, 2, 43, 0.9f},  {1376, true, 4, 0, 1.0f},
      {11008, true, 4, 0, 1.0f}, {4096, true, 4, 128, 1.0f},
      {20, false, 6, 5, 0.9f},   {7, false, 5, 0, 1.0f}};
  for (const QuantCase &qc : cases)
    for (kernels::Isa isa : supportedIsas())
      for (unsigned threads : {1u, 2u})
        checkQuantizeAct(qc, isa, threads);
}

TEST(Quantize, FakeQuantMatchesExecutor) {
  const int64_t rows = 8;
  for (int64_t k : {7, 64, 96, 300})
    for (bool symmetric : {false, true})
      for (unsigned bits : {2u, 4u, 8u})
        for (int64_t group : {int64_t(0), k % 3 == 0 ? k / 3 : k})
          for (float clip : {1.0f, 0.9f}) {
            std::vector<float> x = testRows(rows, k, unsigned(k + bits));
            auto ref = floats(ex::fakeQuant(
                floatTensor({rows, k}, x),
                perTokenParams(bits, symmetric, group, clip), {}));
            for (kernels::Isa isa : supportedIsas()) {
              TestContext ctx(2, isa);
              std::vector<float> out(x.size());
              auto xm = memref(x, {rows, k});
              auto om = memref(out, {rows, k});
              _mlir_ciface_ostrt_fake_quant(ctx.get(), &xm, bits, symmetric,
                                            group, clip, &om);
              ASSERT_FALSE(ctx.failed()) << ctx.error();
              ASSERT_EQ(0, std::memcmp(out.data(), ref.data(),
                                       out.size() * sizeof(float)))
                  << kernels::getIsaName(isa) << ", k " << k
                  << (symmetric ? " sym" : " asym") << ", bits " << bits
                  << ", group " << group << ", clip " << clip;
              // In place.
              std::vector<float> inPlace = x;
              auto ip = memref(inPlace, {rows, k});
              _mlir_ciface_ostrt_fake_quant(ctx.get(), &ip, bits, symmetric,
                                            group, clip, &ip);
              ASSERT_EQ(inPlace, ref);
            }
          }
}

TEST(Quantize, RejectsBadQuantizers) {
  TestContext ctx(1);
  std::vector<float> x(2 * 12);
  std::vector<uint8_t> levels(2 * 12);
  std::vector<float> scales(2 * 3);
  std::vector<int32_t> zps(2 * 3);
  auto xm = memref(x, {2, 12});
  auto none = absent<int8_t, 2>();
  auto lm = memref(levels, {2, 12});
  auto sm = memref(scales, {2, 3});
  auto zm = memref(zps, {2, 3});
  _mlir_ciface_ostrt_quantize_act(ctx.get(), &xm, &none, 0, 9, 4, 1.0f, &lm,
                                  &sm, &zm);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_quantize_act: bits must be in 2..8, got 9");
  ctx.clearError();
  _mlir_ciface_ostrt_quantize_act(ctx.get(), &xm, &none, 0, 4, 5, 1.0f, &lm,
                                  &sm, &zm);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(),
            "ostrt_quantize_act: group 5 does not divide the row size 12");
  ctx.clearError();
  _mlir_ciface_ostrt_quantize_act(ctx.get(), &xm, &none, 0, 4, 6, 1.0f, &lm,
                                  &sm, &zm);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(),
            "ostrt_quantize_act: scales is [2, 3], expected [2, 2]");
  ctx.clearError();
  auto om = memref(x, {2, 12});
  _mlir_ciface_ostrt_fake_quant(ctx.get(), &xm, 4, 1, 0, 0.0f, &om);
  ASSERT_TRUE(ctx.failed());
  EXPECT_NE(ctx.error().find("ostrt_fake_quant: the clip ratio"),
            std::string::npos)
      << ctx.error();
}
