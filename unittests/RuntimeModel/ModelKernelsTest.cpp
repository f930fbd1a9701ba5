//===- ModelKernelsTest.cpp - embedding, norm, RoPE, Hadamard, errors -----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The elementwise model kernels perform the executor's float32 operations,
// so their outputs must equal the executor's bit for bit on every
// instruction set path and thread count.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include "gtest/gtest.h"

using namespace ost::runtime;
using namespace ost::runtime::test;

namespace {

struct Config {
  kernels::Isa isa;
  unsigned threads;
};

std::vector<Config> configs() {
  std::vector<Config> out;
  for (kernels::Isa isa : supportedIsas())
    for (unsigned threads : {1u, 2u})
      out.push_back({isa, threads});
  return out;
}

std::string describe(const Config &c) {
  return std::string(kernels::getIsaName(c.isa)) + ", " +
         std::to_string(c.threads) + " threads";
}

} // namespace

TEST(ModelKernels, EmbeddingGathersRows) {
  const int64_t vocab = 11, dim = 37;
  std::vector<float> table = randomFloats(vocab * dim, 1);
  std::vector<int64_t> ids = {3, 0, 10, 3, 7};
  auto ref = floats(
      ex::embedding(floatTensor({vocab, dim}, table),
                    ex::Tensor::fromInts({5}, ids, ex::DType::I64, 64), {}));
  for (const Config &c : configs()) {
    TestContext ctx(c.threads, c.isa);
    std::vector<float> out(5 * dim, -1.0f);
    auto t = memref(table, {vocab, dim});
    auto i = memref(ids, {5});
    auto o = memref(out, {5, dim});
    _mlir_ciface_ostrt_embedding(ctx.get(), &t, &i, &o);
    ASSERT_FALSE(ctx.failed()) << ctx.error();
    EXPECT_EQ(out, ref) << describe(c);
  }
}

TEST(ModelKernels, RmsNormMatchesExecutor) {
  for (int64_t dim : {1, 7, 64, 100, 4096}) {
    const int64_t rows = 5;
    std::vector<float> x = randomFloats(rows * dim, 2 + dim, 3.0f, 0.5f);
    std::vector<float> w = randomFloats(dim, 3 + dim, 0.2f, 1.0f);
    const float eps = 1e-5f;
    for (bool withWeight : {true, false}) {
      ex::Tensor wt = floatTensor({dim}, w);
      auto ref =
          floats(ex::rmsNorm(floatTensor({rows, dim}, x),
                             withWeight ? &wt : nullptr, double(eps), {}));
      for (const Config &c : configs()) {
        TestContext ctx(c.threads, c.isa);
        std::vector<float> out(rows * dim);
        auto xm = memref(x, {rows, dim});
        auto wm = withWeight ? memref(w, {dim}) : absent<float, 1>();
        auto om = memref(out, {rows, dim});
        _mlir_ciface_ostrt_rms_norm(ctx.get(), &xm, &wm, eps, &om);
        ASSERT_FALSE(ctx.failed()) << ctx.error();
        EXPECT_EQ(out, ref) << describe(c) << ", dim " << dim;
        // In place.
        std::vector<float> inPlace = x;
        auto ip = memref(inPlace, {rows, dim});
        _mlir_ciface_ostrt_rms_norm(ctx.get(), &ip, &wm, eps, &ip);
        EXPECT_EQ(inPlace, ref) << describe(c) << ", in place";
      }
    }
  }
}

TEST(ModelKernels, RopeMatchesExecutorBothLayouts) {
  for (int64_t headDim : {4, 8, 18, 64}) {
    const int64_t seq = 5, heads = 3, positions = 20, pos = 7,
                  half = headDim / 2;
    std::vector<float> x = randomFloats(seq * heads * headDim, 4 + headDim);
    std::vector<float> cos(positions * half), sin(positions * half);
    for (int64_t p = 0; p < positions; ++p)
      for (int64_t i = 0; i < half; ++i) {
        double angle = p * std::pow(10000.0, -2.0 * i / double(headDim));
        cos[p * half + i] = float(std::cos(angle));
        sin[p * half + i] = float(std::sin(angle));
      }
    // The executor takes the tables of exactly the T positions.
    std::vector<float> cosT(cos.begin() + pos * half,
                            cos.begin() + (pos + seq) * half);
    std::vector<float> sinT(sin.begin() + pos * half,
                            sin.begin() + (pos + seq) * half);
    for (bool interleaved : {false, true}) {
      auto ref = floats(ex::rope(
          floatTensor({1, seq, heads, headDim}, x),
          floatTensor({seq, half}, cosT), floatTensor({seq, half}, sinT),
          interleaved ? mlir::ost::RopeLayout::Interleaved
                      : mlir::ost::RopeLayout::RotateHalf,
          {}));
      for (const Config &c : configs()) {
        TestContext ctx(c.threads, c.isa);
        std::vector<float> out(x.size());
        auto xm = memref(x, {seq, heads, headDim});
        auto cm = memref(cos, {positions, half});
        auto sm = memref(sin, {positions, half});
        auto om = memref(out, {seq, heads, headDim});
        _mlir_ciface_ostrt_rope(ctx.get(), &xm, &cm, &sm, pos, interleaved,
                                &om);
        ASSERT_FALSE(ctx.failed()) << ctx.error();
        EXPECT_EQ(out, ref) << describe(c) << ", head_dim " << headDim
                            << (interleaved ? ", interleaved" : "");
        std::vector<float> inPlace = x;
        auto ip = memref(inPlace, {seq, heads, headDim});
        _mlir_ciface_ostrt_rope(ctx.get(), &ip, &cm, &sm, pos, interleaved,
                                &ip);
        EXPECT_EQ(inPlace, ref) << describe(c) << ", in place";
      }
    }
  }
}

TEST(ModelKernels, RopeRejectsPositionsPastTheTables) {
  TestContext ctx(1);
  std::vector<float> x(2 * 1 * 4), cos(6 * 2), sin(6 * 2);
  auto xm = memref(x, {2, 1, 4});
  auto cm = memref(cos, {6, 2});
  auto sm = memref(sin, {6, 2});
  _mlir_ciface_ostrt_rope(ctx.get(), &xm, &cm, &sm, 5, 0, &xm);
  ASSERT_TRUE(ctx.failed());
  EXPECT_NE(ctx.error().find("ostrt_rope"), std::string::npos) << ctx.error();
  EXPECT_NE(ctx.error().find("5..6"), std::string::npos) << ctx.error();
}

TEST(ModelKernels, HadamardMatchesApplyHadamardBitForBit) {
  // Powers of two, the dot form (2^m < 8: 12, 24, 172, 344), the narrow
  // form (2^m = 8), and the vector form (2^m >= 16, e.g. 11008 = 172·64).
  for (int64_t n : {1, 2, 8, 64, 128, 4096, 12, 24, 172, 344, 160, 1376, 320,
                    1280, 11008}) {
    std::optional<int64_t> k = mlir::ost::getHadamardFactor(n);
    ASSERT_TRUE(k.has_value()) << n;
    std::vector<int8_t> factor = mlir::ost::getCachedHadamardMatrix(*k);
    ASSERT_EQ(static_cast<int64_t>(factor.size()), *k * *k);
    const int64_t rows = n > 4096 ? 2 : 3;
    std::vector<float> x = randomFloats(rows * n, 5 + n);
    for (bool transpose : {false, true}) {
      std::vector<float> ref = x;
      ASSERT_TRUE(
          mlir::ost::applyHadamardToRows(ref.data(), rows, n, transpose));
      auto onl = floats(
          mlir::ost::onlineHadamard(floatTensor({rows, n}, x), transpose, {}));
      EXPECT_EQ(onl, ref);
      for (const Config &c : configs()) {
        TestContext ctx(c.threads, c.isa);
        std::vector<float> out(x.size());
        auto xm = memref(x, {rows, n});
        auto fm = memref(factor, {*k, *k});
        auto om = memref(out, {rows, n});
        _mlir_ciface_ostrt_hadamard(ctx.get(), &xm, &fm, transpose, &om);
        ASSERT_FALSE(ctx.failed()) << ctx.error();
        EXPECT_EQ(out, ref)
            << describe(c) << ", n " << n << (transpose ? ", transposed" : "");
        std::vector<float> inPlace = x;
        auto ip = memref(inPlace, {rows, n});
        _mlir_ciface_ostrt_hadamard(ctx.get(), &ip, &fm, transpose, &ip);
        EXPECT_EQ(inPlace, ref) << describe(c) << ", in place";
      }
    }
  }
}

TEST(ModelKernels, HadamardRejectsMismatchedFactor) {
  TestContext ctx(1);
  std::vector<float> x(2 * 36);
  std::vector<int8_t> factor = mlir::ost::getCachedHadamardMatrix(12);
  auto xm = memref(x, {2, 36});
  auto fm = memref(factor, {12, 12});
  _mlir_ciface_ostrt_hadamard(ctx.get(), &xm, &fm, 0, &xm);
  ASSERT_TRUE(ctx.failed());
  EXPECT_NE(ctx.error().find("ostrt_hadamard"), std::string::npos);
  EXPECT_NE(ctx.error().find("36"), std::string::npos) << ctx.error();
}

TEST(ModelKernels, ErrorsNameTheKernelAndStopLaterKernels) {
  TestContext ctx(2);
  std::vector<float> table(4 * 3, 1.0f), out(2 * 3, -1.0f);
  std::vector<int64_t> ids = {1, 4};
  auto t = memref(table, {4, 3});
  auto i = memref(ids, {2});
  auto o = memref(out, {2, 3});
  _mlir_ciface_ostrt_embedding(ctx.get(), &t, &i, &o);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_embedding: token id 4 at index 1 is out of "
                         "range [0, 4)");
  // The first error wins; later kernels return at once.
  ostrt_fail(ctx.get(), "second %d", 2);
  EXPECT_EQ(ctx.error().find("second"), std::string::npos);
  ids[1] = 0;
  _mlir_ciface_ostrt_embedding(ctx.get(), &t, &i, &o);
  EXPECT_EQ(out, std::vector<float>(6, -1.0f));

  ctx.clearError();
  std::vector<float> x(2 * 5), y(2 * 4);
  auto xm = memref(x, {2, 5});
  auto ym = memref(y, {2, 4});
  auto none = absent<float, 1>();
  _mlir_ciface_ostrt_rms_norm(ctx.get(), &xm, &none, 1e-5f, &ym);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_rms_norm: out is [2, 4], expected [2, 5]");

  ctx.clearError();
  std::vector<float> w(3 * 6);
  auto wm = memref(w, {3, 6});
  auto om = memref(y, {2, 4});
  _mlir_ciface_ostrt_linear_f32(ctx.get(), &xm, &wm, &none, &om);
  ASSERT_TRUE(ctx.failed());
  EXPECT_NE(ctx.error().find("ostrt_linear_f32: w is [3, 6], expected [3, 5]"),
            std::string::npos)
      << ctx.error();

  EXPECT_TRUE(ostrt_failed(nullptr));
}
