//===- Int4KernelsTest.cpp - int4 microkernels vs the reference executor --===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The quantizer must match the executor's dynamicQuantize bit for bit. The
// GEMMs are compared with the executor's qlinear within 1e-5 of Σ|terms|:
// W4A4 accumulates the integer levels exactly and scales once, while the
// reference sums dequantized floats (rounding at every step), so the two
// differ by float rounding only. Every ISA path this CPU runs is checked
// against the scalar path: bit-identical for W4A4 (integer sums), within
// rounding for W4A16 (per-lane float partial sums).
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/kernels/Int4Kernels.h"

#include "ost/Executor/Kernels.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace ost::runtime::kernels;
namespace ex = mlir::ost;

namespace {

/// Random activations with a per-row offset, so some rows are all positive.
std::vector<float> randomActivations(int64_t rows, int64_t k, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(rows * k));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < k; ++i)
      x[r * k + i] = dist(gen) + (r % 3 == 1 ? 3.0f : 0.0f);
  return x;
}

/// A random IR-packed int4 weight [n, k/2] (levels −8..7) and its scales.
struct IrWeight {
  std::vector<uint8_t> packed;
  std::vector<float> scales;
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

ex::QuantParams actParams() {
  ex::QuantParams p;
  p.bits = 4;
  p.symmetric = false;
  p.granularity = ex::Granularity::PerToken;
  return p;
}

ex::QuantParams weightParams() {
  ex::QuantParams p;
  p.bits = 4;
  p.symmetric = true;
  p.granularity = ex::Granularity::PerChannel;
  return p;
}

/// The executor's qlinear and, per output, Σ_k |x̂|·|ŵ| (the error scale).
struct Reference {
  std::vector<float> y;
  std::vector<double> magnitude;
};

Reference reference(const std::vector<float> &x, int64_t rows, int64_t k,
                    const IrWeight &w, int64_t n, bool quantizeActs) {
  ex::KernelContext ctx;
  ex::Tensor xt = ex::Tensor::fromFloats({rows, k}, x);
  std::vector<int64_t> bytes(w.packed.begin(), w.packed.end());
  ex::Tensor packed = ex::Tensor::fromInts({n, k / 2}, bytes, ex::DType::I8, 8);
  ex::Tensor scales = ex::Tensor::fromFloats({n, 1}, w.scales);
  ex::QuantParams wp = weightParams(), ap = actParams();
  auto y = ex::qlinear(xt, packed, scales, nullptr, nullptr, wp,
                       quantizeActs ? &ap : nullptr, ctx);
  auto wf = ex::unpackWeight(packed, scales, nullptr, wp, ctx);
  auto xq = quantizeActs ? ex::fakeQuant(xt, ap, ctx)
                         : llvm::Expected<ex::Tensor>(xt);
  Reference ref;
  if (!y || !wf || !xq) {
    ADD_FAILURE() << "reference failed";
    llvm::consumeError(y.takeError());
    llvm::consumeError(wf.takeError());
    llvm::consumeError(xq.takeError());
    return ref;
  }
  const float *yd = y->getFloatData();
  ref.y.assign(yd, yd + rows * n);
  ref.magnitude.assign(static_cast<size_t>(rows * n), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c) {
      double m = 0;
      for (int64_t i = 0; i < k; ++i)
        m += std::fabs(double(xq->getFloatData()[r * k + i]) *
                       wf->getFloatData()[c * k + i]);
      ref.magnitude[r * n + c] = m;
    }
  return ref;
}

void expectClose(const std::vector<float> &y, const Reference &ref,
                 double tol) {
  ASSERT_EQ(y.size(), ref.y.size());
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_LE(std::fabs(double(y[i]) - ref.y[i]),
              tol * ref.magnitude[i] + 1e-30)
        << "at " << i << ": " << y[i] << " vs " << ref.y[i];
}

std::vector<Isa> supportedIsas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
    if (isIsaSupported(isa))
      isas.push_back(isa);
  return isas;
}

struct Shape {
  int64_t rows, k, n;
};
const Shape kShapes[] = {{1, 2, 1},    {1, 130, 7}, {3, 200, 13},
                         {5, 256, 66}, {17, 94, 9}, {70, 384, 67}};

} // namespace

TEST(Int4Kernels, QuantizerMatchesDynamicQuantize) {
  for (const Shape &s : kShapes) {
    std::vector<float> x = randomActivations(s.rows, s.k, 7 + s.k);
    if (s.rows > 2)
      std::fill(x.begin(), x.begin() + s.k, 0.0f); // an all-zero row
    std::vector<uint8_t> q(x.size());
    std::vector<float> scales(s.rows);
    std::vector<int32_t> zps(s.rows);
    ASSERT_TRUE(quantizePerTokenAsym4(x.data(), s.rows, s.k, q.data(),
                                      scales.data(), zps.data())
                    .ok());
    auto ref = ex::dynamicQuantize(ex::Tensor::fromFloats({s.rows, s.k}, x),
                                   actParams(), {ex::DType::I8, 8},
                                   {ex::DType::I64, 32}, ex::KernelContext());
    ASSERT_TRUE(static_cast<bool>(ref)) << llvm::toString(ref.takeError());
    for (int64_t i = 0; i < s.rows * s.k; ++i)
      ASSERT_EQ(q[i], ref->levels.getUnsigned(i)) << "level " << i;
    for (int64_t r = 0; r < s.rows; ++r) {
      EXPECT_EQ(scales[r], ref->scales.getFloatData()[r]);
      EXPECT_EQ(zps[r], ref->zeroPoints.getInt(r));
    }
  }
}

TEST(Int4Kernels, W4A4MatchesQLinearOnEveryPath) {
  for (const Shape &s : kShapes) {
    std::vector<float> x = randomActivations(s.rows, s.k, 11 + s.n);
    IrWeight ir = randomWeight(s.n, s.k, 5 + s.n);
    PackedWeight w;
    ASSERT_TRUE(
        packWeightInt4(ir.packed.data(), ir.scales.data(), s.n, s.k, w).ok());
    std::vector<uint8_t> q(x.size());
    std::vector<float> sa(s.rows);
    std::vector<int32_t> zp(s.rows);
    ASSERT_TRUE(quantizePerTokenAsym4(x.data(), s.rows, s.k, q.data(),
                                      sa.data(), zp.data())
                    .ok());
    Reference ref = reference(x, s.rows, s.k, ir, s.n, true);
    std::vector<float> scalar(s.rows * s.n);
    ASSERT_TRUE(qgemmW4A4(q.data(), sa.data(), zp.data(), s.rows, w,
                          scalar.data(), 1, Isa::Scalar)
                    .ok());
    expectClose(scalar, ref, 1e-5);
    for (Isa isa : supportedIsas())
      for (unsigned threads : {1u, 2u}) {
        std::vector<float> y(s.rows * s.n, -1.0f);
        ASSERT_TRUE(qgemmW4A4(q.data(), sa.data(), zp.data(), s.rows, w,
                              y.data(), threads, isa)
                        .ok());
        EXPECT_EQ(y, scalar) << getIsaName(isa) << ", " << threads
                             << " threads, rows " << s.rows << ", k " << s.k;
      }
  }
}

TEST(Int4Kernels, W4A16MatchesQLinearOnEveryPath) {
  for (const Shape &s : kShapes) {
    std::vector<float> x = randomActivations(s.rows, s.k, 13 + s.n);
    IrWeight ir = randomWeight(s.n, s.k, 3 + s.n);
    PackedWeight w;
    ASSERT_TRUE(
        packWeightInt4(ir.packed.data(), ir.scales.data(), s.n, s.k, w).ok());
    Reference ref = reference(x, s.rows, s.k, ir, s.n, false);
    for (Isa isa : supportedIsas()) {
      std::vector<float> one(s.rows * s.n), two(s.rows * s.n);
      ASSERT_TRUE(qgemmW4A16(x.data(), s.rows, w, one.data(), 1, isa).ok());
      ASSERT_TRUE(qgemmW4A16(x.data(), s.rows, w, two.data(), 2, isa).ok());
      expectClose(one, ref, 1e-5);
      EXPECT_EQ(one, two) << getIsaName(isa);
    }
  }
}

TEST(Int4Kernels, GroupedViewsMatchAcrossPathsAndRunners) {
  // Groups of 64 and 128 channels on the integer paths, 32 on the
  // dequantizing fallback; scales per (row, group) from the per-token
  // quantizer run on each group as a row; a bias.
  const Shape shapes[] = {{1, 256, 70}, {6, 384, 33}, {9, 192, 17}};
  for (const Shape &s : shapes)
    for (int64_t group : {int64_t(32), int64_t(64), int64_t(128)}) {
      if (s.k % group != 0)
        continue;
      const int64_t groups = s.k / group;
      std::vector<float> x = randomActivations(s.rows * groups, group, 3);
      IrWeight ir = randomWeight(s.n, s.k, 17 + s.n);
      PackedWeight w;
      ASSERT_TRUE(
          packWeightInt4(ir.packed.data(), ir.scales.data(), s.n, s.k, w).ok());
      std::vector<int32_t> sums;
      ASSERT_TRUE(computeGroupSums(w, group, sums).ok());
      PackedWeightView view = w.getView();
      view.groupSums = sums.data();
      view.groupSize = group;
      std::vector<uint8_t> q(x.size());
      std::vector<float> sa(s.rows * groups), bias(s.n, 0.5f);
      std::vector<int32_t> zp(s.rows * groups);
      ASSERT_TRUE(quantizePerTokenAsym4(x.data(), s.rows * groups, group,
                                        q.data(), sa.data(), zp.data())
                      .ok());
      QuantizedActivations a;
      a.levels = q.data();
      a.scales = sa.data();
      a.zeroPoints = zp.data();
      a.rows = s.rows;
      a.k = s.k;
      a.groupSize = group;
      // Reference: exact integer group sums, then the contract's float
      // epilogue in its order.
      std::vector<float> expected(s.rows * s.n);
      for (int64_t r = 0; r < s.rows; ++r)
        for (int64_t c = 0; c < s.n; ++c) {
          float out = 0.0f;
          for (int64_t g = 0; g < groups; ++g) {
            int64_t acc = 0;
            for (int64_t i = g * group; i < (g + 1) * group; ++i) {
              int level =
                  (((ir.packed[(c * s.k + i) / 2] >> ((i % 2) * 4)) & 0xF) ^
                   8) -
                  8;
              acc += (int64_t(q[r * s.k + i]) - zp[r * groups + g]) * level;
            }
            float term = float(acc) * sa[r * groups + g];
            out = out + term;
          }
          out = out * ir.scales[c];
          expected[r * s.n + c] = out + bias[c];
        }
      std::vector<float> first;
      for (Isa isa : supportedIsas()) {
        std::vector<float> y(s.rows * s.n), y2(s.rows * s.n);
        ASSERT_TRUE(
            qgemmW4A4(a, view, bias.data(), y.data(), runSerially, isa).ok());
        ASSERT_TRUE(qgemmW4A4(a, view, bias.data(), y2.data(),
                              NewThreadsParallelFor(3), isa)
                        .ok());
        EXPECT_EQ(y, y2) << getIsaName(isa);
        if (group % 64 == 0) {
          EXPECT_EQ(y, expected) << getIsaName(isa) << ", group " << group;
        } else {
          for (size_t i = 0; i < y.size(); ++i)
            ASSERT_NEAR(y[i], expected[i], 1e-4 * std::fabs(expected[i]) + 1e-4)
                << getIsaName(isa) << ", group " << group;
        }
      }
    }
}

TEST(Int4Kernels, ReportsBadOperands) {
  PackedWeight w;
  std::vector<uint8_t> packed(6, 0);
  std::vector<float> scales(2, 1.0f);
  Status s = packWeightInt4(packed.data(), scales.data(), 2, 5, w);
  EXPECT_NE(s.error.find("even k"), std::string::npos) << s.error;
  std::vector<float> y(2);
  uint8_t q[2] = {1, 2};
  float sa = 1.0f;
  int32_t zp = 0;
  EXPECT_FALSE(qgemmW4A4(q, &sa, &zp, 1, w, y.data()).ok());
  ASSERT_TRUE(packWeightInt4(packed.data(), scales.data(), 2, 2, w).ok());
  EXPECT_TRUE(qgemmW4A4(q, &sa, &zp, 1, w, y.data()).ok());
  q[1] = 16;
  s = qgemmW4A4(q, &sa, &zp, 1, w, y.data());
  EXPECT_NE(s.error.find("outside 0..15"), std::string::npos) << s.error;
  float x[2] = {1.0f, 2.0f};
  EXPECT_FALSE(quantizePerTokenAsym4(x, 1, 0, q, &sa, &zp).ok());
  if (!isIsaSupported(Isa::Avx512))
    EXPECT_FALSE(qgemmW4A16(x, 1, w, y.data(), 1, Isa::Avx512).ok());
}
