//===- Hadamard.cpp - ostrt_hadamard --------------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The online Hadamard 𝓗 = (H_K ⊗ H_{2^m})/sqrt(n) of ost.online_hadamard
// with the operations of lib/Support/Hadamard.cpp applyHadamard, so the
// results are bit-identical: a fast Walsh–Hadamard transform of each
// length-2^m block, the K × K ±1 product (summed over the factor's columns
// in order, or as 8-accumulator dot products when 2^m < 8), then 1/sqrt(n).
// The factor comes from the compiled model (getCachedHadamardMatrix(K)).
//
//===----------------------------------------------------------------------===//

#include "KernelUtils.h"

#include <cmath>
#include <cstring>

using namespace ost::runtime;
using namespace ost::runtime::detail;

bool ost::runtime::detail::makeHadamardPlan(ostrt_context *ctx,
                                            const char *kernel, int64_t n,
                                            MemRef<int8_t, 2> *factor,
                                            int64_t transpose,
                                            simd::HadamardPlan &plan,
                                            std::vector<float> &factorFloats) {
  if (!checkMemRef(ctx, kernel, "factor", factor))
    return false;
  const int64_t k = factor->sizes[0];
  if (k < 1 || factor->sizes[1] != k) {
    fail(ctx, kernel,
         "the Hadamard factor " + formatSizes(*factor) +
             " must be a non-empty square matrix");
    return false;
  }
  int64_t m = n / k;
  if (n < 1 || n % k != 0 || (m & (m - 1)) != 0) {
    fail(ctx, kernel,
         "a Hadamard of size " + std::to_string(n) +
             " with a factor of order " + std::to_string(k) +
             ": the size must be the order times a power "
             "of two");
    return false;
  }
  plan.n = n;
  plan.k = k;
  plan.m = m;
  plan.factor = factor->data();
  plan.transpose = transpose != 0;
  plan.scale = ::ost::numerics::hadamardScale<float>(n);
  plan.factorFloats = nullptr;
  if (k > 1) {
    factorFloats.resize(static_cast<size_t>(k * k));
    ::ost::numerics::convertFactor(plan.factor, k, plan.transpose,
                                   factorFloats.data());
    plan.factorFloats = factorFloats.data();
  }
  return true;
}

extern "C" void _mlir_ciface_ostrt_hadamard(ostrt_context *ctx,
                                            MemRef<float, 2> *x,
                                            MemRef<int8_t, 2> *factor,
                                            int64_t transpose,
                                            MemRef<float, 2> *out) {
  static const char *const kName = "ostrt_hadamard";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "x", x) || !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t rows = x->sizes[0], n = x->sizes[1];
  if (!checkSizes(ctx, kName, "out", *out, {rows, n}))
    return;
  simd::HadamardPlan plan;
  std::vector<float> factorFloats;
  if (!makeHadamardPlan(ctx, kName, n, factor, transpose, plan, factorFloats))
    return;
  const float *in = x->data();
  float *res = out->data();
  const simd::SimdKernels &k = getKernels(ctx);
  getParallel(ctx)(rows, rowGrain(n * 8), [&](int64_t begin, int64_t end) {
    static thread_local std::vector<float> scratch;
    scratch.resize(static_cast<size_t>(n));
    for (int64_t r = begin; r < end; ++r) {
      float *row = res + r * n;
      if (row != in + r * n)
        std::memcpy(row, in + r * n, static_cast<size_t>(n) * sizeof(float));
      k.hadamardRow(row, plan, scratch.data());
    }
  });
}
