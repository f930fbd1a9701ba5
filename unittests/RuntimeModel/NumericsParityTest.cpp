//===- NumericsParityTest.cpp - SIMD paths vs ost/Numerics ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The runtime's vector loops (SimdKernels.inc for every instruction set the
// CPU has, and the int4 activation quantizer) keep their own vector code;
// this checks, on random data, that they give the bits of the header-only
// definitions in ost/Numerics that the executor and lib/Quant use.
//
//===----------------------------------------------------------------------===//

#include "SimdKernels.h"

#include "ost/Numerics/ClipSearch.h"
#include "ost/Numerics/HadamardApply.h"
#include "ost/Numerics/QuantGrid.h"
#include "ost/runtime/kernels/Int4Kernels.h"

#include "gtest/gtest.h"

#include <cstring>
#include <random>
#include <vector>

using namespace ost;
using namespace ost::runtime;

namespace {

struct NamedIsa {
  const char *name;
  runtime::kernels::Isa isa;
};

std::vector<NamedIsa> availableIsas() {
  std::vector<NamedIsa> isas = {{"scalar", runtime::kernels::Isa::Scalar}};
  if (runtime::kernels::isIsaSupported(runtime::kernels::Isa::Avx2))
    isas.push_back({"avx2", runtime::kernels::Isa::Avx2});
  if (runtime::kernels::isIsaSupported(runtime::kernels::Isa::Avx512))
    isas.push_back({"avx512", runtime::kernels::Isa::Avx512});
  return isas;
}

std::vector<float> randomRow(int64_t n, unsigned seed, float spread) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, spread);
  std::vector<float> x(n);
  for (float &v : x)
    v = dist(gen);
  // Exact ties of the rounding, and an outlier.
  if (n > 3) {
    x[1] = 0.0f;
    x[n - 2] = 4.0f * spread;
  }
  return x;
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// minMax, quantize and fakeQuantize of every ISA equal the header's
// minMax / QuantGrid on odd lengths (vector body plus scalar tail).
TEST(NumericsParityTest, QuantizerLoopsMatchHeader) {
  for (const NamedIsa &isa : availableIsas()) {
    const simd::SimdKernels &kern = simd::getSimdKernels(isa.isa);
    for (int64_t n : {1, 7, 16, 33, 128, 173})
      for (unsigned bits : {2u, 4u, 8u})
        for (float clip : {1.0f, 0.9f}) {
          std::vector<float> x = randomRow(n, unsigned(n * bits), 1.5f);
          float lo, hi;
          kern.minMax(x.data(), n, lo, hi);
          auto [wantLo, wantHi] = numerics::minMax(x.data(), n);
          ASSERT_EQ(lo, wantLo) << isa.name;
          ASSERT_EQ(hi, wantHi) << isa.name;
          numerics::GridSpec spec = makeGridSpec(bits, false, clip);
          numerics::QuantGrid grid = numerics::QuantGrid::compute(lo, hi, spec);
          std::vector<uint8_t> levels(n);
          std::vector<float> fake(n);
          kern.quantize(x.data(), n, grid, levels.data());
          kern.fakeQuantize(x.data(), n, grid, fake.data());
          for (int64_t i = 0; i < n; ++i) {
            ASSERT_EQ(levels[i], static_cast<uint8_t>(grid.quantize(x[i])))
                << isa.name << " n " << n << " i " << i;
            ASSERT_TRUE(sameBits(fake[i], grid.fakeQuantize(x[i])))
                << isa.name << " n " << n << " i " << i;
          }
        }
  }
}

// The int4 per-token quantizer of runtime/kernels.
TEST(NumericsParityTest, Int4ActivationQuantizerMatchesHeader) {
  const int64_t rows = 5, k = 96;
  std::vector<float> x = randomRow(rows * k, 11, 2.0f);
  std::vector<uint8_t> q(rows * k);
  std::vector<float> scales(rows);
  std::vector<int32_t> zps(rows);
  ASSERT_TRUE(runtime::kernels::quantizePerTokenAsym4(
                  x.data(), rows, k, q.data(), scales.data(), zps.data())
                  .ok());
  numerics::GridSpec spec = makeGridSpec(4, false, 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    auto [lo, hi] = numerics::minMax(x.data() + r * k, k);
    numerics::QuantGrid grid = numerics::QuantGrid::compute(lo, hi, spec);
    ASSERT_TRUE(sameBits(scales[r], grid.scale));
    ASSERT_EQ(zps[r], static_cast<int32_t>(grid.zeroPoint));
    for (int64_t i = 0; i < k; ++i)
      ASSERT_EQ(q[r * k + i],
                static_cast<uint8_t>(grid.quantize(x[r * k + i])));
  }
}

// hadamardRow of every ISA equals numerics::applyHadamardRow: k = 1
// (pure FWHT), the dot form (m < 8), the axpy form and the vector tiles.
TEST(NumericsParityTest, HadamardRowMatchesHeader) {
  // A ±1 Hadamard matrix of order 4 that is not symmetric.
  const std::vector<int8_t> h4 = {1,  1,  1, 1, -1, 1,  -1, 1,
                                  -1, -1, 1, 1, 1,  -1, -1, 1};
  const std::vector<int8_t> h1 = {1};
  for (const NamedIsa &isa : availableIsas()) {
    const simd::SimdKernels &kern = simd::getSimdKernels(isa.isa);
    for (int64_t k : {1, 4})
      for (int64_t m : {1, 2, 4, 8, 16, 64, 256})
        for (bool transpose : {false, true}) {
          const std::vector<int8_t> &hk = k == 1 ? h1 : h4;
          int64_t n = k * m;
          std::vector<float> factorFloats(k * k);
          numerics::convertFactor(hk.data(), k, transpose, factorFloats.data());
          simd::HadamardPlan plan;
          plan.n = n;
          plan.k = k;
          plan.m = m;
          plan.factor = hk.data();
          plan.transpose = transpose;
          plan.scale = numerics::hadamardScale<float>(n);
          plan.factorFloats = k > 1 ? factorFloats.data() : nullptr;
          numerics::HadamardFactor<float> f;
          f.n = n;
          f.k = k;
          f.m = m;
          f.hk = hk.data();
          f.transpose = transpose;
          f.hf = factorFloats.data();
          std::vector<float> x = randomRow(n, unsigned(n + k), 1.0f);
          std::vector<float> want = x, scratch(n), scratch2(n);
          kern.hadamardRow(x.data(), plan, scratch.data());
          numerics::applyHadamardRow(want.data(), f, scratch2.data());
          for (int64_t i = 0; i < n; ++i)
            ASSERT_TRUE(sameBits(x[i], want[i]))
                << isa.name << " k " << k << " m " << m << " transpose "
                << transpose << " i " << i << ": " << x[i] << " vs " << want[i];
        }
  }
}

} // namespace
